//! Organizations: the caller's own.

use super::{Handled, RoutedRequest, State, answer, page};
use crate::types;

pub(super) fn lookup(state: &mut State, call: &RoutedRequest) -> Handled {
    let (results, links, count) = page(vec![state.organization()], call, "/team-management/v1/organizations/");
    answer(200, types::OrganizationList { count, links: Some(links), results })
}
