//! The indexes over the sandbox's users, so that a listing costs its page and an exact filter
//! one lookup, whatever the organization's size.
//!
//! Users are never removed (only deactivated), so a user's position in `State::users` is
//! stable and is their creation order, which is the order every listing uses: each index
//! holds positions, and an ordered set of positions lists in the listing's order.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

use super::UserRecord;

#[derive(Default)]
pub(crate) struct UserIndex {
    by_id: HashMap<String, usize>,
    by_username: HashMap<String, usize>,
    /// `(lowercase username, position)`: a case-insensitive prefix search is one range.
    by_folded_username: BTreeSet<(String, usize)>,
    /// Every user who is not a service account, in creation order (`lookup_users` without
    /// filters pages straight from it).
    people: Vec<usize>,
    /// Every service account, deleted ones included, in creation order.
    service_accounts: Vec<usize>,
    /// Each team's members, service accounts included.
    by_team: HashMap<String, BTreeSet<usize>>,
    /// How many of each team's members are people: the team's `user_count`.
    people_per_team: HashMap<String, u64>,
    /// Each classic parent's subaccounts, by the parent's username.
    by_parent: HashMap<String, Vec<usize>>,
    /// Jobs running and queued over every user, for the organization's figures.
    pub(crate) running: u64,
    pub(crate) queued: u64,
}

impl UserIndex {
    /// Indexes the user at `position` (the next one: users are only appended).
    pub(crate) fn insert(&mut self, position: usize, user: &UserRecord) {
        self.by_id.insert(user.id.clone(), position);
        self.by_username.insert(user.username.clone(), position);
        self.by_folded_username.insert((user.username.to_lowercase(), position));
        if user.service_account.is_some() {
            self.service_accounts.push(position);
        } else {
            self.people.push(position);
        }
        self.join(position, user.service_account.is_none(), &user.teams);
        if let Some(parent) = &user.parent {
            self.by_parent.entry(parent.clone()).or_default().push(position);
        }
        self.running += user.running;
        self.queued += user.queued;
    }

    /// Moves the user at `position` from the teams `before` to the teams `after`.
    pub(crate) fn move_teams(&mut self, position: usize, person: bool, before: &[String], after: &[String]) {
        for team in before {
            if let Some(members) = self.by_team.get_mut(team)
                && members.remove(&position)
                && person
                && let Some(count) = self.people_per_team.get_mut(team)
            {
                *count = count.saturating_sub(1);
            }
        }
        self.join(position, person, after);
    }

    fn join(&mut self, position: usize, person: bool, teams: &[String]) {
        for team in teams {
            if self.by_team.entry(team.clone()).or_default().insert(position) && person {
                *self.people_per_team.entry(team.clone()).or_insert(0) += 1;
            }
        }
    }

    /// Forgets a team; returns the positions of the users who were in it.
    pub(crate) fn remove_team(&mut self, team: &str) -> BTreeSet<usize> {
        self.people_per_team.remove(team);
        self.by_team.remove(team).unwrap_or_default()
    }

    pub(crate) fn by_id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub(crate) fn by_username(&self, username: &str) -> Option<usize> {
        self.by_username.get(username).copied()
    }

    /// The positions of the users whose lowercase username starts with `folded_prefix`
    /// (already lowercase), in username order.
    pub(crate) fn by_username_prefix<'a>(&'a self, folded_prefix: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.by_folded_username
            .range((Bound::Included((folded_prefix.to_string(), 0)), Bound::Unbounded))
            .take_while(move |(username, _)| username.starts_with(folded_prefix))
            .map(|(_, position)| *position)
    }

    pub(crate) fn people(&self) -> &[usize] {
        &self.people
    }

    pub(crate) fn service_accounts(&self) -> &[usize] {
        &self.service_accounts
    }

    /// The positions of a team's members (service accounts included), in creation order.
    pub(crate) fn members(&self, team: &str) -> impl Iterator<Item = usize> + '_ {
        self.by_team.get(team).into_iter().flatten().copied()
    }

    pub(crate) fn people_in(&self, team: &str) -> u64 {
        self.people_per_team.get(team).copied().unwrap_or(0)
    }

    pub(crate) fn subaccounts_of(&self, parent: &str) -> &[usize] {
        self.by_parent.get(parent).map_or(&[], Vec::as_slice)
    }
}
