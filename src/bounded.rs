//! Reading files and streams the user names, with a ceiling: a path that points at something
//! huge (a log, a device, `/dev/zero`) is refused with a clear error instead of filling memory.

use std::io::Read;
use std::path::Path;

/// The most a credentials file, a CA bundle or a request body may hold.
pub(crate) const SMALL: u64 = 16 * 1024 * 1024;
/// The most an organization file, a saved plan or a journal may hold.
#[cfg_attr(not(feature = "org"), allow(dead_code))]
pub(crate) const LARGE: u64 = 256 * 1024 * 1024;

/// `reader`'s bytes, or an `InvalidData` error naming the ceiling when there are more than
/// `max`.
pub(crate) fn read_bytes(reader: impl Read, max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("it holds more than {} MiB, more than this file can be", max / (1024 * 1024)),
        ));
    }
    Ok(bytes)
}

/// Like [`read_bytes`], as UTF-8 text.
pub(crate) fn read_text(reader: impl Read, max: u64) -> std::io::Result<String> {
    String::from_utf8(read_bytes(reader, max)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// The file at `path` as text, at most `max` bytes.
pub(crate) fn read_file(path: &Path, max: u64) -> std::io::Result<String> {
    read_text(std::fs::File::open(path)?, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_the_ceiling_is_refused_and_the_ceiling_itself_is_read() {
        assert_eq!(read_text(&b"12345"[..], 5).unwrap(), "12345");
        let error = read_text(std::io::repeat(b'x'), 1024 * 1024).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("more than 1 MiB"), "{error}");
        assert!(read_text(&[0xff, 0xfe][..], 10).unwrap_err().to_string().contains("UTF-8"));
    }
}
