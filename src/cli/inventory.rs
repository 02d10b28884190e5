//! Every operation of the spec and the command that calls it.
//!
//! Adding an operation to the spec makes the `match` below fail to compile until it is given
//! a command: add the command to its group's file (`teams.rs`, `users.rs`, `membership.rs`,
//! `classic.rs`, `concurrency.rs`, `service_accounts.rs`: the clap variant, its arm in the
//! group's `operation()` and in its `run`), then its words here. `tests/cli.rs` checks that
//! these words parse to that operation, and that every irreversible one (`x-sauce-confirm`)
//! asks first.

use crate::operations::OperationId;

/// The command (after `sauce-accounts`) that calls `operation`, with placeholders for its
/// required arguments.
pub fn command_for(operation: OperationId) -> &'static str {
    match operation {
        // teams.rs
        OperationId::LookupTeams => "teams list",
        OperationId::CreateTeam => "teams create --name NAME",
        OperationId::GetTeam => "teams get TEAM",
        OperationId::ReplaceTeam => "teams replace TEAM --name NAME",
        OperationId::DeleteTeam => "teams delete TEAM",
        OperationId::UpdateTeam => "teams update TEAM",
        OperationId::ListTeamMembers => "teams members TEAM",
        OperationId::ResetTeamAccessKeys => "teams reset-keys TEAM",
        // users.rs
        OperationId::LookupUsers => "users list",
        OperationId::CreateUser => "users create --username USERNAME --first-name FIRST --last-name LAST --email EMAIL",
        OperationId::GetCurrentUser => "users me",
        OperationId::GetActiveTeam => "users active-team",
        OperationId::GetUser => "users get USER",
        OperationId::ReplaceUser => "users replace USER --first-name FIRST --last-name LAST",
        OperationId::UpdateUser => "users update USER",
        OperationId::GetUserTeams => "users teams USER",
        OperationId::SetUserTeams => "users set-teams USER --team TEAM",
        OperationId::SetUserAdmin => "users make-admin USER",
        OperationId::SetUserTeamAdmin => "users make-team-admin USER",
        OperationId::SetUserMember => "users make-member USER",
        OperationId::ActivateUser => "users activate USER",
        OperationId::DeactivateUser => "users deactivate USER",
        OperationId::GetUserAccessKey => "users access-key USER",
        OperationId::ResetUserAccessKey => "users reset-key USER",
        OperationId::GetUserPermissions => "users permissions USER",
        // membership.rs
        OperationId::CreateMembership => "membership create --user USER --team TEAM",
        OperationId::LookupOrganizations => "organizations list",
        // classic.rs
        OperationId::ClassicGetUser => "classic get-user USERNAME",
        OperationId::ClassicCreateSubaccount => {
            "classic create-subaccount PARENT --username USERNAME --name FIRST-LAST --email EMAIL"
        }
        OperationId::ClassicListSubaccounts => "classic list-subaccounts USERNAME",
        OperationId::ClassicGetSubaccounts => "classic subaccount-info USERNAME",
        OperationId::ClassicListSiblings => "classic siblings USERNAME",
        OperationId::ClassicChangeAccessKey => "classic change-key USERNAME",
        OperationId::ClassicGetConcurrency => "classic concurrency",
        OperationId::ClassicGetActivity => "classic activity USERNAME",
        OperationId::ClassicGetUsage => "classic usage USERNAME",
        OperationId::ClassicGetUsersActivity => "classic users-activity",
        OperationId::ClassicGetOrganizationActivity => "classic org-activity",
        OperationId::ClassicGetTeamsActivity => "classic teams-activity",
        // concurrency.rs
        OperationId::GetRealDeviceConcurrency => "concurrency real-devices",
        // service_accounts.rs
        OperationId::LookupServiceAccounts => "service-accounts list",
        OperationId::CreateServiceAccount => "service-accounts create --name NAME --team TEAM",
        OperationId::GetServiceAccount => "service-accounts get SERVICE_ACCOUNT",
        OperationId::DeleteServiceAccount => "service-accounts delete SERVICE_ACCOUNT",
        OperationId::UpdateServiceAccount => "service-accounts update SERVICE_ACCOUNT --name NAME",
        OperationId::ResetServiceAccountAccessKey => "service-accounts reset-key SERVICE_ACCOUNT",
    }
}

/// Whether the command exists to show an access key (the others mask every key they print).
pub(super) fn shows_keys(operation: OperationId) -> bool {
    matches!(
        operation,
        OperationId::GetUserAccessKey
            | OperationId::ResetUserAccessKey
            | OperationId::ResetTeamAccessKeys
            | OperationId::ClassicChangeAccessKey
            | OperationId::CreateServiceAccount
            | OperationId::ResetServiceAccountAccessKey
    )
}
