//! Path parameters become exactly one encoded URL segment, so no id can change which
//! endpoint a request reaches.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::Error;

/// Everything but RFC 3986's unreserved characters is encoded; `/`, `?`, `#` and `%` included.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Encodes `value` as one path segment of `operation_id`'s path.
///
/// `.` and `..` are dot-segments that URL normalization would remove or resolve, so they are
/// encoded too; an empty value is refused because it would address a different endpoint.
pub(crate) fn segment(operation_id: &'static str, name: &str, value: &str) -> Result<String, Error> {
    if value.is_empty() {
        return Err(Error::InvalidArgument { operation_id, message: format!("{name} must not be empty") });
    }
    if value.bytes().all(|byte| byte == b'.') && value.len() <= 2 {
        return Ok(value.replace('.', "%2E"));
    }
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn hostile_values_stay_one_segment() {
        let cases = [
            ("80d69d16", "80d69d16"),
            ("jim.smith", "jim.smith"),
            ("../teams", "..%2Fteams"),
            ("..", "%2E%2E"),
            (".", "%2E"),
            ("a/b", "a%2Fb"),
            ("x?y=1", "x%3Fy%3D1"),
            ("%2e%2e", "%252e%252e"),
            ("a b", "a%20b"),
            ("frag#1", "frag%231"),
            ("zoë", "zo%C3%AB"),
        ];
        for (value, expected) in cases {
            assert_eq!(segment("op", "id", value).unwrap(), expected, "{value}");
        }
    }

    #[test]
    fn empty_ids_are_refused() {
        let error = segment("get_team", "team_id", "").unwrap_err();
        assert_eq!(error.to_string(), "get_team: invalid argument: team_id must not be empty");
    }
}
