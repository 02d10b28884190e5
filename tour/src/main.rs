//! A tour of an administrator's day, run against the embedded sandbox (no credentials, no
//! network): look up the organization and its teams, create a team and a user in it, promote
//! them, page through users, rotate their key, deactivate them and clean up; then keep the
//! organization as code: export it as YAML, edit the file, plan and apply the difference.
//!
//!     cargo tour
//!
//! With `--live` and SAUCE_USERNAME / SAUCE_ACCESS_KEY (and SAUCE_REGION) set, it runs only
//! the read-only steps against your real organization instead.

use sauce_accounts::org::{self, ApplyOptions, OrgFile};
use sauce_accounts::sandbox::Sandbox;
use sauce_accounts::types::{CreateTeamRequest, CreateUserRequest, TeamSettings};
use sauce_accounts::{Client, Error, RoleId, Secret};

fn main() {
    let live = std::env::args().any(|arg| arg == "--live");
    let outcome = if live { live_tour() } else { sandbox_tour() };
    if let Err(error) = outcome {
        eprintln!("tour failed: {error}");
        std::process::exit(1);
    }
}

/// The first characters of a key, enough to tell two keys apart without revealing them.
fn masked(key: &Secret) -> String {
    format!("{}…", key.expose().chars().take(4).collect::<String>())
}

fn read_only_steps(client: &Client) -> Result<(), Error> {
    let organizations = client.organizations().lookup().send()?;
    for organization in &organizations.results {
        println!(
            "1. Organization {} ({}), {} VMs in all",
            organization.name.as_deref().unwrap_or("?"),
            organization.id,
            organization.total_vm_concurrency.unwrap_or_default()
        );
    }
    let teams: Vec<_> = client.teams().lookup().iter().collect::<Result<_, _>>()?;
    println!("2. {} teams:", teams.len());
    for team in &teams {
        let settings = team.settings.clone().unwrap_or_default();
        println!(
            "   - {:<12} {:>3} VMs {:>3} devices {:>3} users{}",
            team.name,
            settings.virtual_machines.unwrap_or_default(),
            settings.real_devices.unwrap_or_default(),
            team.user_count.unwrap_or_default(),
            if team.is_default == Some(true) { "  (default)" } else { "" }
        );
    }
    Ok(())
}

fn sandbox_tour() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start()?;
    println!("Started the Accounts API sandbox at {} (nothing leaves this machine).\n", sandbox.url());
    let client = sandbox.client()?;
    read_only_steps(&client)?;
    let team = client
        .teams()
        .create(
            &CreateTeamRequest::new("Release Guild", TeamSettings::new().with_virtual_machines(4).with_real_devices(1))
                .with_description("Owns the release pipeline"),
        )
        .send()?;
    println!("3. Created team {} ({}) with 4 VMs and 1 device", team.name, team.id);

    let user = client
        .users()
        .create(
            &CreateUserRequest::new(
                "lin.release@acme.example",
                "Lin",
                "Release",
                Secret::new("Tour-Passw0rd!"),
                "lin.release",
            )
            .with_role(RoleId::Member)
            .with_team(team.id.clone()),
        )
        .send()?;
    println!("4. Created user {} ({}) as a {} of {}", user.username, user.id, user.roles[0].role, team.name);

    let promoted = client.users().set_team_admin(&user.id).send()?;
    println!(
        "5. Promoted {}: team admin = {:?}, roles = {}",
        promoted.username,
        promoted.is_team_admin.unwrap_or(false),
        promoted.roles[0].role
    );

    let mut pages = client.users().lookup().limit(5).iter();
    let mut usernames = Vec::new();
    for user in pages.by_ref() {
        usernames.push(user?.username);
    }
    println!(
        "6. Listed {} users in {} pages of 5: {} … {}",
        usernames.len(),
        pages.pages_fetched(),
        usernames[0],
        usernames[usernames.len() - 1]
    );

    let old_key = client.users().get_access_key(&user.id).send()?.access_key;
    let new_key = client.users().reset_access_key(&user.id).send()?.access_key;
    let old_client = sandbox.client_for(sauce_accounts::Credentials::new(&user.username, old_key.clone()))?;
    let old_key_refused =
        old_client.users().get_active_team().send().err().is_some_and(|error| error.is_unauthorized());
    println!(
        "7. Rotated {}'s access key {} → {}; the old key is refused: {old_key_refused}",
        user.username,
        masked(&old_key),
        masked(&new_key)
    );

    let deactivated = client.users().deactivate(&user.id).send()?;
    println!("8. Deactivated {}: active = {:?}", deactivated.username, deactivated.is_active.unwrap_or(true));

    client.teams().delete(&team.id).send()?;
    let gone = client.teams().get(&team.id).send().err().is_some_and(|error| error.is_not_found());
    let remaining = client.users().get_teams(&user.id).send()?.count;
    println!("9. Deleted team {}: gone = {gone}, {} now belongs to {remaining} teams", team.name, user.username);
    organization_as_code(&client)?;
    println!("\nTour complete. Point the same code at a real region with Client::from_env().");
    Ok(())
}

/// Export → edit → plan → apply, as `sauce-accounts org` does it from the shell.
fn organization_as_code(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    let export = org::export(client)?;
    let yaml = export.file.to_yaml();
    println!(
        "10. Exported the organization as YAML ({} teams, {} users, {} lines) in {} requests",
        export.file.teams.len(),
        export.file.users.len(),
        yaml.lines().count(),
        export.requests
    );
    // The edit a reviewer would approve: Ken steps down, and a new team comes with its lead.
    let mut file = OrgFile::from_yaml(&yaml)?;
    for user in file.users.iter_mut().filter(|user| user.username == "ken.mobile") {
        user.role = Some(org::Role::Member);
    }
    let additions = OrgFile::from_yaml(
        "teams: [{name: Platform, description: Build tooling for every team, settings: {virtual_machines: 4}}]\n\
         users: [{username: mia.platform, email: mia@acme.example, first_name: Mia, last_name: Platform, role: team-admin, teams: [Platform]}]",
    )?;
    file.teams.extend(additions.teams);
    file.users.extend(additions.users);
    let plan = org::plan(client, &file)?;
    println!("11. Planned the edited file: {} changes", plan.changes.len());
    for change in &plan.changes {
        println!("    - {} {}", change.kind.label(), change.target);
    }
    let directory = std::env::temp_dir().join(format!("sauce-accounts-tour-{}", std::process::id()));
    std::fs::create_dir_all(&directory)?;
    let secrets = directory.join("secrets.jsonl");
    let options = ApplyOptions::default().journal(directory.join("journal.jsonl")).secrets(&secrets);
    let report = org::apply(client, &plan, &options, &mut |_, _| {})?;
    println!(
        "12. Applied {} changes with {} writes; mia.platform's generated password is only in {} (mode 600)",
        report.changes,
        report.writes,
        secrets.display()
    );
    let again = org::plan(client, &file)?;
    println!("13. Planned again: {} changes left", again.changes.len());
    std::fs::remove_dir_all(&directory)?;
    Ok(())
}

fn live_tour() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    println!("Read-only tour of {} as {} (live).\n", client.base_url(), client.username());
    read_only_steps(&client)?;
    let first_page = client.users().lookup().limit(5).send()?;
    println!("3. {} users in the organization; the first page holds {}", first_page.count, first_page.results.len());
    let concurrency = client.classic().get_concurrency(client.username()).send()?;
    if let Some(organization) = concurrency.concurrency.organization {
        let allowed = organization.allowed.unwrap_or_default();
        println!(
            "4. Organization concurrency allowed: {} VMs, {} Mac VMs, {} devices",
            allowed.vms.unwrap_or_default(),
            allowed.mac_vms.unwrap_or_default(),
            allowed.rds.unwrap_or_default()
        );
    }
    Ok(())
}
