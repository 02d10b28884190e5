//! A large organization for the benchmarks, shared by `client.rs` and `peers.rs`.

use sauce_accounts::sandbox::{Seed, SeedOrganization, SeedUser};

/// A seed with `users` users spread over three teams.
pub fn big_seed(users: usize) -> Seed {
    let mut seed = Seed::builtin();
    seed.organization = SeedOrganization { name: "Bench Org".into(), virtual_machines: 500, real_devices: 50 };
    let teams = ["Web", "Mobile", "Manual QA"];
    seed.users = (0..users)
        .map(|index| SeedUser {
            username: format!("user{index:06}"),
            first_name: "Bench".into(),
            last_name: format!("User {index}"),
            email: None,
            team: Some(teams[index % teams.len()].into()),
            role: None,
            access_key: None,
            active: None,
        })
        .collect();
    seed
}
