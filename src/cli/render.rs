//! Human-readable output: tables for listings, `key: value` lines for single records.

use serde_json::Value;

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

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(if *flag { "yes".into() } else { "no".into() }),
        Value::Null => Some("-".into()),
        _ => None,
    }
}

fn table(items: &[Value]) -> String {
    if items.is_empty() {
        return "(none)".into();
    }
    let mut columns: Vec<String> = PREFERRED
        .iter()
        .filter(|name| items.iter().any(|item| item.get(**name).is_some()))
        .map(|name| name.to_string())
        .collect();
    if columns.is_empty() {
        columns = items[0].as_object().map(|fields| fields.keys().take(6).cloned().collect()).unwrap_or_default();
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|column| {
                    item.get(column)
                        .map_or_else(|| "-".to_string(), |value| scalar(value).unwrap_or_else(|| nested_summary(value)))
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| rows.iter().map(|row| row[index].chars().count()).max().unwrap_or(0).max(column.len()))
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(&columns.iter().map(|column| column.to_uppercase()).collect::<Vec<_>>())];
    out.extend(rows.iter().map(|row| line(row)));
    out.join("\n")
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
        let text = human(
            &json!({"count": 3, "results": [{"id": "a", "name": "Web", "settings": {"x": 1}}, {"id": "b", "name": "Mobile"}]}),
        );
        assert_eq!(text, "ID  NAME\na   Web\nb   Mobile\n2 of 3 shown (use --all, or --limit/--offset, for the rest)");
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
