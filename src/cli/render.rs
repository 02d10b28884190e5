//! Human-readable output: tables for listings, `key: value` lines for single records, and
//! the same tables as CSV. Every string from the server is shown with its control characters
//! escaped, and timestamps as dates.

use serde_json::Value;

use super::output::escape_controls;

/// Replaces every `access_key` value with a masked form: only the commands whose purpose is
/// to show a key print one.
pub(super) fn mask_access_keys(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if name == "access_key" && field.is_string() {
                    *field = Value::String("*** (shown by `users access-key`)".into());
                } else {
                    mask_access_keys(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_access_keys),
        _ => {}
    }
}

/// Columns shown first when present, in this order.
const PREFERRED: [&str; 12] = [
    "id",
    "username",
    "name",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "user_count",
    "is_default",
    "access_key",
    "is_organization_admin",
    "is_team_admin",
];

/// Renders a JSON value for a person: the records of a listing as a table, anything else as
/// indented `key: value` lines.
pub(super) fn human(value: &Value) -> String {
    let records = match value {
        Value::Array(items) => Some((items, None)),
        Value::Object(fields) => match (fields.get("results").or_else(|| fields.get("users")), fields.get("count")) {
            (Some(Value::Array(items)), count) => Some((items, count.and_then(Value::as_u64))),
            _ => None,
        },
        _ => None,
    };
    if let Some(days) = usage_days(value) {
        return table_of(
            &days,
            vec![
                column("DATE", |day| text(day.get(0))),
                column("JOBS", |day| text(day.get(1))),
                column("SECONDS", |day| text(day.get(2))),
            ],
        );
    }
    match records {
        Some((items, count)) if items.iter().all(Value::is_object) => {
            let mut text = table(items);
            if let Some(count) = count {
                text.push_str(&format!("\n{} of {count} shown", items.len()));
                if (items.len() as u64) < count {
                    text.push_str(" (use --all, or --limit/--offset, for the rest)");
                }
            }
            text
        }
        _ => {
            let mut lines = Vec::new();
            lines_of(value, 0, &mut lines);
            lines.join("\n")
        }
    }
}

/// The classic usage answer's days (`{"usage": [[date, [jobs, seconds]], …]}`) as
/// `[date, jobs, seconds]` rows; `None` for anything else, or for a day of another shape.
fn usage_days(value: &Value) -> Option<Vec<Value>> {
    let days = value.as_object().filter(|fields| fields.len() <= 2)?.get("usage")?.as_array()?;
    days.iter()
        .map(|day| match day.as_array()?.as_slice() {
            [date @ Value::String(_), Value::Array(figures)] => match figures.as_slice() {
                [jobs, seconds] => Some(Value::Array(vec![date.clone(), jobs.clone(), seconds.clone()])),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(as_date(text).unwrap_or_else(|| escape_controls(text, false).into_owned())),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(if *flag { "yes".into() } else { "no".into() }),
        Value::Null => Some("-".into()),
        _ => None,
    }
}

/// An RFC 3339 timestamp (`2020-10-05T16:21:01.513495Z`) as a person reads it, in UTC.
fn as_date(text: &str) -> Option<String> {
    let moment = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(moment.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC").to_string())
}

/// The widest a table may be: it fits a 100-column terminal.
pub(super) const MAX_WIDTH: usize = 100;

/// The columns an admin scans a listing for, computed from a record: users by username,
/// name, role, teams and state; teams by name, size and allocation. Other records show
/// their preferred fields.
type Column = (String, Box<dyn Fn(&Value) -> String>);

fn column(name: &str, cell: impl Fn(&Value) -> String + 'static) -> Column {
    (name.to_string(), Box::new(cell))
}

fn columns_of(items: &[Value]) -> Vec<Column> {
    let has = |field: &str| items.iter().any(|item| item.get(field).is_some());
    if has("username") && (has("roles") || has("is_organization_admin")) {
        return vec![
            column("USERNAME", |user| text(user.get("username"))),
            column("NAME", |user| {
                [text(user.get("first_name")), text(user.get("last_name"))].join(" ").trim().replace("- -", "-")
            }),
            column("ROLE", role),
            column("TEAMS", |user| names(user.get("teams"))),
            column("ACTIVE", |user| text(user.get("is_active"))),
            column("ID", |user| text(user.get("id"))),
        ];
    }
    if has("total_vm_concurrency") {
        return vec![
            column("NAME", |organization| text(organization.get("name"))),
            column("VMS", |organization| text(organization.get("total_vm_concurrency"))),
            column("DEVICES", |organization| text(organization.pointer("/settings/real_devices"))),
            column("ID", |organization| text(organization.get("id"))),
        ];
    }
    if has("name") && (has("user_count") || has("settings")) && !has("username") {
        return vec![
            column("NAME", |team| text(team.get("name"))),
            column("USERS", |team| text(team.get("user_count"))),
            column("VMS", |team| text(team.pointer("/settings/virtual_machines"))),
            column("DEVICES", |team| text(team.pointer("/settings/real_devices"))),
            column("DEFAULT", |team| text(team.get("is_default"))),
            column("ID", |team| text(team.get("id"))),
        ];
    }
    let mut fields: Vec<String> = PREFERRED.iter().filter(|name| has(name)).map(|name| name.to_string()).collect();
    if fields.is_empty() {
        fields = items[0].as_object().map(|record| record.keys().take(6).cloned().collect()).unwrap_or_default();
    }
    fields
        .into_iter()
        .map(|field| {
            let name = field.to_uppercase();
            column(&name, move |item| text(item.get(&field)))
        })
        .collect()
}

fn text(value: Option<&Value>) -> String {
    value.map_or_else(|| "-".to_string(), |value| scalar(value).unwrap_or_else(|| nested_summary(value)))
}

/// The names of a list of records (`teams`), comma-separated.
fn names(value: Option<&Value>) -> String {
    match value.and_then(Value::as_array) {
        Some(items) if !items.is_empty() => {
            items.iter().map(|item| text(item.get("name"))).collect::<Vec<_>>().join(",")
        }
        _ => "-".into(),
    }
}

fn role(user: &Value) -> String {
    let number = user.pointer("/roles/0/role").and_then(Value::as_u64);
    let flag = |field: &str| user.get(field).and_then(Value::as_bool) == Some(true);
    match number {
        Some(1) => "org-admin".into(),
        Some(4) => "team-admin".into(),
        Some(3) => "member".into(),
        Some(other) => format!("role {other}"),
        None if flag("is_organization_admin") => "org-admin".into(),
        None if flag("is_team_admin") => "team-admin".into(),
        None => "member".into(),
    }
}

/// Daily activity read across the service's parallel lists, one row a day; keyed answers
/// (per team, user or organization) get a first column, `key_name`, for the key.
pub(super) fn days_table<'a>(
    key_name: Option<&str>,
    days: impl IntoIterator<Item = (&'a str, &'a crate::DayActivity)>,
) -> String {
    let items: Vec<Value> = days
        .into_iter()
        .map(|(key, day)| {
            serde_json::json!({
                "key": key,
                "date": day.date.to_string(),
                "jobs": day.jobs,
                "minutes": day.minutes,
                "mean": day.mean_concurrency,
                "peak": day.peak_concurrency,
            })
        })
        .collect();
    let mut columns = Vec::new();
    if let Some(key_name) = key_name {
        columns.push(column(key_name, |day| text(day.get("key"))));
    }
    columns.extend([
        column("DATE", |day| text(day.get("date"))),
        column("JOBS", |day| text(day.get("jobs"))),
        column("MINUTES", |day| text(day.get("minutes"))),
        column("MEAN CONCURRENCY", |day| text(day.get("mean"))),
        column("PEAK CONCURRENCY", |day| text(day.get("peak"))),
    ]);
    table_of(&items, columns)
}

/// The records of a listing (or one record) as RFC 4180 CSV: one header row, the table's
/// columns uncut, CRLF line ends.
pub(super) fn csv(value: &Value) -> String {
    let items: Vec<Value> = match value {
        Value::Array(items) => items.clone(),
        Value::Object(fields) => match fields.get("results").or_else(|| fields.get("users")) {
            Some(Value::Array(items)) => items.clone(),
            _ => vec![value.clone()],
        },
        other => vec![serde_json::json!({ "value": other })],
    };
    let columns = if items.iter().all(Value::is_object) && !items.is_empty() {
        columns_of(&items)
    } else {
        vec![column("VALUE", |item| text(Some(item)))]
    };
    let line = |cells: Vec<String>| cells.iter().map(|cell| csv_field(cell)).collect::<Vec<_>>().join(",");
    let mut lines = vec![line(columns.iter().map(|(name, _)| name.clone()).collect())];
    lines.extend(items.iter().map(|item| line(columns.iter().map(|(_, cell)| cell(item)).collect())));
    lines.join("\r\n")
}

/// A CSV field, quoted when RFC 4180 requires it (a comma, a quote or a line break) or when
/// surrounding spaces would otherwise be lost.
fn csv_field(cell: &str) -> String {
    let needs_quotes = cell.contains([',', '"', '\r', '\n']) || cell.starts_with(' ') || cell.ends_with(' ');
    if needs_quotes { format!("\"{}\"", cell.replace('"', "\"\"")) } else { cell.to_string() }
}

fn table(items: &[Value]) -> String {
    // `columns_of` reads the first item.
    if items.is_empty() {
        return "(none)".into();
    }
    table_of(items, columns_of(items))
}

fn table_of(items: &[Value], columns: Vec<Column>) -> String {
    if items.is_empty() {
        return "(none)".into();
    }
    let rows: Vec<Vec<String>> =
        items.iter().map(|item| columns.iter().map(|(_, cell)| cell(item)).collect()).collect();
    let mut widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(index, (name, _))| rows.iter().map(|row| row[index].chars().count()).max().unwrap_or(0).max(name.len()))
        .collect();
    // Too wide for a terminal: narrow the widest column, one character at a time.
    let total = |widths: &[usize]| widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    while total(&widths) > MAX_WIDTH {
        let (widest, width) = widths.iter().copied().enumerate().max_by_key(|(_, width)| *width).expect("columns");
        if width <= 6 {
            break;
        }
        widths[widest] -= 1;
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{:<width$}", fit(cell, *width)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(columns.iter().map(|(name, _)| name.clone()).collect())];
    out.extend(rows.into_iter().map(line));
    out.join("\n")
}

/// `cell` cut to `width` characters, with `…` where it was cut.
fn fit(cell: &str, width: usize) -> String {
    if cell.chars().count() <= width {
        return cell.to_string();
    }
    let mut cut: String = cell.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn nested_summary(value: &Value) -> String {
    match value {
        Value::Array(items) => format!("[{}]", items.len()),
        Value::Object(fields) => {
            fields.get("name").or_else(|| fields.get("id")).and_then(scalar).unwrap_or_else(|| "{…}".into())
        }
        other => other.to_string(),
    }
}

fn lines_of(value: &Value, depth: usize, out: &mut Vec<String>) {
    let indent = "  ".repeat(depth);
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let name = escape_controls(name, false);
                match scalar(field) {
                    Some(text) => out.push(format!("{indent}{name}: {text}")),
                    None if field.as_array().is_some_and(Vec::is_empty) => out.push(format!("{indent}{name}: (none)")),
                    None => {
                        out.push(format!("{indent}{name}:"));
                        lines_of(field, depth + 1, out);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match scalar(item) {
                    Some(text) => out.push(format!("{indent}- {text}")),
                    None => {
                        out.push(format!("{indent}-"));
                        lines_of(item, depth + 1, out);
                    }
                }
            }
        }
        other => out.push(format!("{indent}{}", scalar(other).unwrap_or_default())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn listings_become_tables() {
        let text = human(&json!({"count": 3, "results": [{"id": "a", "email": "x@y"}, {"id": "b"}]}));
        assert_eq!(text, "ID  EMAIL\na   x@y\nb   -\n2 of 3 shown (use --all, or --limit/--offset, for the rest)");
    }

    #[test]
    fn users_show_name_role_teams_and_state_within_100_columns() {
        let user = |index: usize, role: u64| {
            json!({"id": format!("{index:032x}"), "username": format!("a.rather.long.username.number.{index}"),
                   "first_name": "Maximiliana", "last_name": "Oppenheimer-Featherstonehaugh", "is_active": true,
                   "roles": [{"role": role}], "teams": [{"name": "Web"}, {"name": "Mobile Apps"}]})
        };
        let text = human(&json!({"count": 2, "results": [user(1, 4), user(2, 3)]}));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("USERNAME") && lines[0].contains("ROLE") && lines[0].contains("TEAMS"), "{text}");
        assert!(lines[1].contains("team-admin") && lines[2].contains("member"), "{text}");
        assert!(lines[1].contains("Web,Mobile") && lines[1].contains("yes"), "{text}");
        assert!(lines.iter().all(|line| line.chars().count() <= MAX_WIDTH), "{text}");
        assert!(text.contains('…'), "something had to be cut: {text}");
    }

    /// The live service's shapes (tests/fixtures/live): organizations by their VM total and
    /// devices, classic usage as a row a day; a usage day of another shape is shown as it came.
    #[test]
    fn organizations_and_usage_days_become_tables() {
        let organizations = json!({"count": 1, "results": [{"id": "7fb2", "name": "SLTC",
            "created_at": "2020-10-05T16:21:01.513495Z", "total_vm_concurrency": 46, "settings": {"real_devices": 20}}]});
        assert_eq!(human(&organizations), "NAME  VMS  DEVICES  ID\nSLTC  46   20       7fb2\n1 of 1 shown");
        let usage = json!({"username": "jsmith", "usage": [["2021-4-1", [12, 1800]], ["2021-4-2", [3, 90]]]});
        assert_eq!(human(&usage), "DATE      JOBS  SECONDS\n2021-4-1  12    1800\n2021-4-2  3     90");
        let odd = json!({"username": "jsmith", "usage": [["2021-4-1", [12, 1800, 7]]]});
        let shown = human(&odd);
        assert!(shown.starts_with("usage:") && shown.contains("username: jsmith"), "{shown}");
    }

    #[test]
    fn csv_quotes_as_rfc_4180_says_and_escapes_controls() {
        let teams = json!({"count": 2, "results": [
            {"id": "a", "name": "Web, \"front\"", "user_count": 2, "settings": {}, "is_default": false},
            {"id": "b", "name": "Bell\u{7}", "user_count": 0, "settings": {}, "is_default": true}]});
        assert_eq!(
            csv(&teams),
            "NAME,USERS,VMS,DEVICES,DEFAULT,ID\r\n\"Web, \"\"front\"\"\",2,-,-,no,a\r\nBell\\x07,0,-,-,yes,b"
        );
    }

    #[test]
    fn timestamps_print_as_dates_and_strings_without_controls() {
        let text = human(&json!({"created_at": "2020-10-05T16:21:01.513495Z", "name": "x\u{1b}[2Jy", "\u{9b}k": 1}));
        assert!(text.contains("created_at: 2020-10-05 16:21 UTC"), "{text}");
        assert!(text.contains("name: x\\x1b[2Jy") && !text.contains(|c: char| c.is_control() && c != '\n'), "{text}");
    }

    #[test]
    fn records_become_lines_and_keys_are_masked() {
        let mut value = json!({"username": "u", "access_key": "k-123", "teams": [], "roles": [{"role": 3}]});
        mask_access_keys(&mut value);
        let text = human(&value);
        assert!(!text.contains("k-123"));
        assert!(
            text.contains("username: u") && text.contains("teams: (none)") && text.contains("    role: 3"),
            "{text}"
        );
    }
}
