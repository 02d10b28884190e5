//! The input rules the spec states as schema (`format: password`, a name's `pattern` and
//! `maxLength`), checked before a request leaves. `build.rs` derives each operation's table of
//! checks from the spec, so the client checks exactly what the spec promises.

use crate::Error;

/// One check of a request body: the field (a JSON pointer into the body) and what it must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) pointer: &'static str,
    pub(crate) check: Check,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// At least 8 characters, a lowercase letter, an uppercase letter, a digit, a special
    /// character, no white space.
    Password,
    /// Not empty and not only white space.
    NotBlank,
    /// At most this many characters.
    MaxChars(u64),
}

/// What a password lacks, in the words of the rule; empty when it passes. The password
/// itself is never part of a message.
pub(crate) fn password_problems(password: &str) -> Vec<&'static str> {
    let checks: [(bool, &str); 6] = [
        (password.chars().count() >= 8, "at least 8 characters"),
        (password.chars().any(|c| c.is_lowercase()), "a lowercase letter"),
        (password.chars().any(|c| c.is_uppercase()), "an uppercase letter"),
        (password.chars().any(|c| c.is_ascii_digit()), "a digit"),
        (password.chars().any(|c| !c.is_alphanumeric() && !c.is_whitespace()), "a special character"),
        (!password.chars().any(char::is_whitespace), "no spaces"),
    ];
    checks.iter().filter(|(ok, _)| !ok).map(|(_, rule)| *rule).collect()
}

/// Applies `rules` to an encoded body; fields that are absent (optional and unset) pass.
pub(crate) fn check(operation_id: &'static str, body: &serde_json::Value, rules: &[Rule]) -> Result<(), Error> {
    for rule in rules {
        let Some(serde_json::Value::String(value)) = body.pointer(rule.pointer) else { continue };
        let field = rule.pointer.trim_start_matches('/').replace('/', ".");
        let problem = match rule.check {
            Check::Password => {
                let missing = password_problems(value);
                (!missing.is_empty()).then(|| {
                    format!(
                        "{field} does not meet the password rules (at least 8 characters, with a lowercase \
                         letter, an uppercase letter, a digit and a special character, and no spaces): it \
                         needs {}",
                        missing.join(", ")
                    )
                })
            }
            Check::NotBlank => value.trim().is_empty().then(|| format!("{field} must not be empty or blank")),
            Check::MaxChars(maximum) => ((value.chars().count() as u64) > maximum)
                .then(|| format!("{field} must have at most {maximum} characters")),
        };
        if let Some(message) = problem {
            return Err(Error::InvalidArgument { operation_id, message });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_told_what_they_lack_without_being_shown() {
        assert!(password_problems("Str0ng-Passw0rd").is_empty());
        assert_eq!(
            password_problems("short"),
            ["at least 8 characters", "an uppercase letter", "a digit", "a special character"]
        );
        assert_eq!(password_problems("Has Space1!"), ["no spaces"]);
        let rules = [Rule { pointer: "/password", check: Check::Password }];
        let error = check("create_user", &serde_json::json!({"password": "weakpassword"}), &rules).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("it needs an uppercase letter, a digit, a special character"), "{message}");
        assert!(!message.contains("weakpassword"), "{message}");
    }

    #[test]
    fn blank_names_are_refused_and_absent_fields_pass() {
        let rules = [
            Rule { pointer: "/name", check: Check::NotBlank },
            Rule { pointer: "/settings/x", check: Check::NotBlank },
        ];
        assert!(check("create_team", &serde_json::json!({"name": "  "}), &rules).is_err());
        assert!(check("update_team", &serde_json::json!({}), &rules).is_ok());
        assert!(check("update_team", &serde_json::json!({"name": "Web"}), &rules).is_ok());
    }
}
