//! Hand-written conveniences on generated types, kept apart from the generated code.

use crate::types::ClassicUser;

impl ClassicUser {
    /// The account's login name: `username`, or `id` where the service left `username` out
    /// (as it does when answering the creation of a subaccount).
    pub fn login(&self) -> Option<&str> {
        self.username.as_deref().or(self.id.as_deref())
    }
}
