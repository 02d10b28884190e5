//! The indexes over the sandbox's users, so that a listing costs its page and an exact filter
//! one lookup, whatever the organization's size.
//!
//! Users are never removed (only deactivated), so a user's position in `State::users` is
//! stable and is their creation order, which is the order every listing uses: each index
//! holds positions in sorted vectors, so the k-th entry of a listing is one step away and a
//! page costs its length. New users have the largest position, so adding one appends; only a
//! membership change or a deactivation inserts into the middle of a vector.

use std::collections::{BTreeSet, HashMap};
use std::ops::{Bound, Range};

use super::UserRecord;

#[derive(Default)]
pub(crate) struct UserIndex {
    by_id: HashMap<String, usize>,
    by_username: HashMap<String, usize>,
    by_username_prefix: PrefixIndex,
    /// People by first name, last name and email (Lookup Users' `phrase`).
    by_phrase_prefix: PrefixIndex,
    /// Every user who is not a service account, in creation order (`lookup_users` without
    /// filters pages straight from it).
    people: Vec<usize>,
    /// The people who are inactive (so the active ones are `people` without these).
    inactive_people: Vec<usize>,
    /// Every service account, deleted ones included, in creation order.
    service_accounts: Vec<usize>,
    /// Each team's members.
    by_team: HashMap<String, Members>,
    /// The people of each role, by its number.
    by_role: HashMap<u64, Vec<usize>>,
    /// Each classic parent's subaccounts, by the parent's username.
    by_parent: HashMap<String, Vec<usize>>,
    /// Jobs running and queued over every user, for the organization's figures.
    pub(crate) running: u64,
    pub(crate) queued: u64,
}

/// `(lowercase text, position)`: a case-insensitive prefix search is one range. The matches
/// are a superset of `starts_with_ignoring_case`'s (equal but for characters whose lowercase
/// is ASCII while they are not), so a caller checks each one.
#[derive(Default)]
struct PrefixIndex(BTreeSet<(String, usize)>);

impl PrefixIndex {
    fn insert(&mut self, text: &str, position: usize) {
        self.0.insert((text.to_lowercase(), position));
    }

    fn remove(&mut self, text: &str, position: usize) {
        self.0.remove(&(text.to_lowercase(), position));
    }

    fn starting_with<'a>(&'a self, folded_prefix: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.0
            .range((Bound::Included((folded_prefix.to_string(), 0)), Bound::Unbounded))
            .take_while(move |(text, _)| text.starts_with(folded_prefix))
            .map(|(_, position)| *position)
    }
}

fn phrase_fields(user: &UserRecord) -> [&str; 3] {
    [&user.first_name, &user.last_name, &user.email]
}

/// A team's members, people and service accounts apart (a team's `user_count` and member
/// listing are its people).
#[derive(Default)]
struct Members {
    people: Vec<usize>,
    service_accounts: Vec<usize>,
}

impl Members {
    fn of_kind(&mut self, person: bool) -> &mut Vec<usize> {
        if person { &mut self.people } else { &mut self.service_accounts }
    }
}

/// The first index in `0..len` at which `before` turns false (it is true up to there, then
/// false).
fn partition(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, len);
    while low < high {
        let middle = low + (high - low) / 2;
        if before(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

/// Adds `position` to a sorted vector (appending, for a new user).
fn insert_sorted(positions: &mut Vec<usize>, position: usize) {
    if let Err(at) = positions.binary_search(&position) {
        positions.insert(at, position);
    }
}

fn remove_sorted(positions: &mut Vec<usize>, position: usize) {
    if let Ok(at) = positions.binary_search(&position) {
        positions.remove(at);
    }
}

impl UserIndex {
    /// Indexes the user at `position` (the next one: users are only appended).
    pub(crate) fn insert(&mut self, position: usize, user: &UserRecord) {
        self.by_id.insert(user.id.clone(), position);
        self.by_username.insert(user.username.clone(), position);
        self.by_username_prefix.insert(&user.username, position);
        let person = user.service_account.is_none();
        if person {
            self.people.push(position);
            for field in phrase_fields(user) {
                self.by_phrase_prefix.insert(field, position);
            }
            self.by_role.entry(user.role.number()).or_default().push(position);
            if !user.active {
                self.inactive_people.push(position);
            }
        } else {
            self.service_accounts.push(position);
        }
        self.join(position, person, &user.teams);
        if let Some(parent) = &user.parent {
            self.by_parent.entry(parent.clone()).or_default().push(position);
        }
        self.running += user.running;
        self.queued += user.queued;
    }

    /// Follows a change of the user at `position` from `before` to `after` (their id,
    /// username and kind never change).
    pub(crate) fn change(&mut self, position: usize, before: &UserRecord, after: &UserRecord) {
        let person = after.service_account.is_none();
        if before.teams != after.teams {
            for team in &before.teams {
                if let Some(members) = self.by_team.get_mut(team) {
                    remove_sorted(members.of_kind(person), position);
                }
            }
            self.join(position, person, &after.teams);
        }
        if person && phrase_fields(before) != phrase_fields(after) {
            // All old entries first: two fields may share one entry.
            for field in phrase_fields(before) {
                self.by_phrase_prefix.remove(field, position);
            }
            for field in phrase_fields(after) {
                self.by_phrase_prefix.insert(field, position);
            }
        }
        if person && before.role != after.role {
            if let Some(people) = self.by_role.get_mut(&before.role.number()) {
                remove_sorted(people, position);
            }
            insert_sorted(self.by_role.entry(after.role.number()).or_default(), position);
        }
        if person && before.active != after.active {
            if after.active {
                remove_sorted(&mut self.inactive_people, position);
            } else {
                insert_sorted(&mut self.inactive_people, position);
            }
        }
    }

    fn join(&mut self, position: usize, person: bool, teams: &[String]) {
        for team in teams {
            insert_sorted(self.by_team.entry(team.clone()).or_default().of_kind(person), position);
        }
    }

    /// Forgets a team; returns the positions of the users who were in it.
    pub(crate) fn remove_team(&mut self, team: &str) -> Vec<usize> {
        let members = self.by_team.remove(team).unwrap_or_default();
        let mut positions = members.people;
        positions.extend(members.service_accounts);
        positions
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
        self.by_username_prefix.starting_with(folded_prefix)
    }

    /// The positions of the people whose lowercase first name, last name or email starts with
    /// `folded_prefix`, in no useful order and possibly more than once.
    pub(crate) fn by_phrase_prefix<'a>(&'a self, folded_prefix: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.by_phrase_prefix.starting_with(folded_prefix)
    }

    pub(crate) fn people(&self) -> &[usize] {
        &self.people
    }

    pub(crate) fn inactive_people(&self) -> &[usize] {
        &self.inactive_people
    }

    pub(crate) fn active_people_count(&self) -> usize {
        self.people.len() - self.inactive_people.len()
    }

    /// The active people at `shown` in the listing of active people, found by bisection
    /// over `people` (how many are active up to an index is that index less the inactive
    /// ones before it), then walked.
    pub(crate) fn active_people(&self, shown: Range<usize>) -> Vec<usize> {
        let inactive = &self.inactive_people;
        let active_through = |index: usize| index + 1 - inactive.partition_point(|&p| p <= self.people[index]);
        let start = partition(self.people.len(), |index| active_through(index) <= shown.start);
        self.people[start..]
            .iter()
            .copied()
            .filter(|position| inactive.binary_search(position).is_err())
            .take(shown.len())
            .collect()
    }

    pub(crate) fn service_accounts(&self) -> &[usize] {
        &self.service_accounts
    }

    /// The people whose role has `number`, in creation order.
    pub(crate) fn people_with_role(&self, number: u64) -> &[usize] {
        self.by_role.get(&number).map_or(&[], Vec::as_slice)
    }

    /// A team's people, in creation order.
    pub(crate) fn people_in(&self, team: &str) -> &[usize] {
        self.by_team.get(team).map_or(&[], |members| members.people.as_slice())
    }

    /// A team's members, service accounts included, in creation order.
    pub(crate) fn members(&self, team: &str) -> Vec<usize> {
        let Some(members) = self.by_team.get(team) else { return Vec::new() };
        let mut positions = members.people.clone();
        positions.extend(&members.service_accounts);
        positions.sort_unstable();
        positions
    }

    pub(crate) fn subaccounts_of(&self, parent: &str) -> &[usize] {
        self.by_parent.get(parent).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::UserIndex;

    /// The bisection that finds a page of active people answers what filtering every person
    /// answers, for any page of any mix.
    #[test]
    fn any_page_of_active_people_is_the_people_less_the_inactive_ones() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..200 {
            let people: Vec<usize> = (0..rng.usize(0..40)).map(|index| index * 2 + rng.usize(0..2)).collect();
            let inactive_people: Vec<usize> = people.iter().copied().filter(|_| rng.bool()).collect();
            let active: Vec<usize> =
                people.iter().copied().filter(|person| !inactive_people.contains(person)).collect();
            let index = UserIndex { people, inactive_people, ..UserIndex::default() };
            assert_eq!(index.active_people_count(), active.len());
            for start in 0..active.len() + 2 {
                for length in [0, 1, 3, 100] {
                    let expected: Vec<usize> = active.iter().copied().skip(start).take(length).collect();
                    assert_eq!(index.active_people(start..start + length), expected, "{start}+{length} of {active:?}");
                }
            }
        }
    }
}
