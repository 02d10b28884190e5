//! Lazy iteration over the paginated listings.

use std::fmt;

use crate::{Error, PaginationError};

/// How a listing moves from one page to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageStyle {
    /// `offset` counts records from 0 (team-management listings).
    Offset,
    /// `from` counts records from 0 (classic subaccounts).
    From,
    /// `page` counts pages from 1 (classic siblings).
    Page,
}

type Fetch<'a, T> = Box<dyn FnMut(u64, u64) -> Result<(Vec<T>, Option<u64>), Error> + 'a>;

/// The most pages one listing fetches unless [`Paginator::max_pages`] says otherwise: a
/// million records at 100 a page.
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

/// An iterator over every item of a paginated listing, fetching one page at a time.
///
/// It requests the next page only when the current one is used up and holds one page in
/// memory. Where the listing reports a total `count`, it goes on until that many records
/// were passed, whatever size the server makes its pages; otherwise it stops after a short
/// or empty page.
///
/// It does not trust the server to make progress: a page that repeats any earlier one (a
/// server that ignores the cursor, or cycles between pages), an empty page before the
/// announced count, or more pages than [`Paginator::max_pages`] end the listing with
/// [`Error::Pagination`]. A page is recognised by its first item. Cursors saturate instead
/// of overflowing (`.offset(u64::MAX)` is one request). After yielding an error it yields
/// nothing more.
#[must_use = "iterators are lazy: nothing is fetched until the iterator is used"]
pub struct Paginator<'a, T> {
    operation_id: &'static str,
    style: PageStyle,
    cursor: u64,
    page_size: u64,
    seen: u64,
    fetch: Fetch<'a, T>,
    page: std::vec::IntoIter<T>,
    /// A fingerprint of the first item of every page so far, with where that page was, to
    /// notice a server that sends any of them again. At most [`Paginator::max_pages`] entries
    /// of 16 bytes: a listing holds one page of items, not one item per page.
    seen_pages: Vec<(u64, u64)>,
    previous_cursor: Option<u64>,
    pages_fetched: u64,
    max_pages: u64,
    done: bool,
}

impl<'a, T> Paginator<'a, T> {
    pub(crate) fn new(
        operation_id: &'static str,
        style: PageStyle,
        first: u64,
        page_size: u64,
        fetch: impl FnMut(u64, u64) -> Result<(Vec<T>, Option<u64>), Error> + 'a,
    ) -> Self {
        Paginator {
            operation_id,
            style,
            cursor: first,
            page_size: page_size.max(1),
            seen: 0,
            fetch: Box::new(fetch),
            page: Vec::new().into_iter(),
            seen_pages: Vec::new(),
            previous_cursor: None,
            pages_fetched: 0,
            max_pages: DEFAULT_MAX_PAGES,
            done: false,
        }
    }

    /// How many pages have been requested so far.
    pub fn pages_fetched(&self) -> u64 {
        self.pages_fetched
    }

    /// The most pages this listing may fetch ([`DEFAULT_MAX_PAGES`] by default, at least 1);
    /// needing more ends it with [`Error::Pagination`].
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    fn stop(&mut self, message: String) -> Option<Result<T, Error>> {
        self.done = true;
        Some(Err(Error::Pagination(Box::new(PaginationError {
            operation_id: self.operation_id,
            pages_fetched: self.pages_fetched,
            items_yielded: self.seen,
            message,
        }))))
    }
}

impl<T> fmt::Debug for Paginator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("operation_id", &self.operation_id)
            .field("style", &self.style)
            .field("cursor", &self.cursor)
            .field("page_size", &self.page_size)
            .field("pages_fetched", &self.pages_fetched)
            .field("max_pages", &self.max_pages)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> Iterator for Paginator<'_, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.page.next() {
                self.seen += 1;
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            if self.pages_fetched >= self.max_pages {
                let message = format!("it needs more than {} pages (Paginator::max_pages)", self.max_pages);
                return self.stop(message);
            }
            self.pages_fetched += 1;
            // Free the used-up page before the next one arrives, so only one is ever held.
            self.page = Vec::new().into_iter();
            let (items, total) = match (self.fetch)(self.cursor, self.page_size) {
                Ok(page) => page,
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
            };
            let received = items.len() as u64;
            let position = |cursor: u64| match self.style {
                PageStyle::Offset | PageStyle::From => format!("offset {cursor}"),
                PageStyle::Page => format!("page {cursor}"),
            };
            let here = position(self.cursor);
            let first = items.first().map(fingerprint);
            let repeated = first
                .and_then(|first| self.seen_pages.iter().find(|(seen, _)| *seen == first))
                .map(|(_, cursor)| *cursor);
            if let Some(earlier) = repeated {
                let message = if Some(earlier) == self.previous_cursor {
                    format!("the page at {here} repeats the previous page: the server ignores the cursor")
                } else {
                    format!(
                        "the page at {here} repeats the page at {}: the server's pages go round in a cycle",
                        position(earlier)
                    )
                };
                return self.stop(message);
            }
            match total {
                Some(total) if received == 0 && self.cursor < total => {
                    return self.stop(format!("the page at {here} is empty, but the listing reports {total} records"));
                }
                // The server may make its pages smaller than asked: the count says when to stop.
                Some(total) => self.done = self.cursor.saturating_add(received) >= total,
                None => self.done = received < self.page_size,
            }
            if let Some(first) = first {
                self.seen_pages.push((first, self.cursor));
            }
            self.previous_cursor = Some(self.cursor);
            self.cursor = self.cursor.saturating_add(match self.style {
                PageStyle::Offset | PageStyle::From => received,
                PageStyle::Page => 1,
            });
            self.page = items.into_iter();
        }
    }
}

impl<T: fmt::Debug> std::iter::FusedIterator for Paginator<'_, T> {}

/// A 64-bit fingerprint of an item, from its `Debug` form fed straight into a hasher (no
/// string is built): two pages that start with the same item have the same fingerprint.
fn fingerprint(item: &impl fmt::Debug) -> u64 {
    use std::hash::Hasher as _;
    struct Hashing(std::collections::hash_map::DefaultHasher);
    impl fmt::Write for Hashing {
        fn write_str(&mut self, text: &str) -> fmt::Result {
            self.0.write(text.as_bytes());
            Ok(())
        }
    }
    let mut hashing = Hashing(std::collections::hash_map::DefaultHasher::new());
    // Writing into a hasher cannot fail; a Debug impl that reports an error still hashes what it wrote.
    let _ = fmt::Write::write_fmt(&mut hashing, format_args!("{item:?}"));
    hashing.0.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(data: Vec<u32>, style: PageStyle, size: u64) -> (Vec<u32>, Vec<(u64, u64)>) {
        let mut requests = Vec::new();
        let items: Vec<u32> =
            Paginator::new("op", style, if style == PageStyle::Page { 1 } else { 0 }, size, |cursor, size| {
                requests.push((cursor, size));
                let start = match style {
                    PageStyle::Page => (cursor - 1) * size,
                    _ => cursor,
                } as usize;
                let page: Vec<u32> = data.iter().skip(start).take(size as usize).copied().collect();
                Ok((page, None))
            })
            .map(Result::unwrap)
            .collect();
        (items, requests)
    }

    #[test]
    fn a_short_last_page_ends_the_listing() {
        let (items, requests) = pages((0..7).collect(), PageStyle::Offset, 3);
        assert_eq!(items, (0..7).collect::<Vec<_>>());
        assert_eq!(requests, vec![(0, 3), (3, 3), (6, 3)]);
    }

    #[test]
    fn a_full_last_page_costs_one_empty_request() {
        let (items, requests) = pages((0..6).collect(), PageStyle::Page, 3);
        assert_eq!(items, (0..6).collect::<Vec<_>>());
        assert_eq!(requests, vec![(1, 3), (2, 3), (3, 3)]);
    }

    #[test]
    fn the_total_count_saves_the_empty_request() {
        let mut calls = 0;
        let items: Vec<u32> = Paginator::new("op", PageStyle::Offset, 0, 2, |cursor, _| {
            calls += 1;
            Ok(((cursor as u32..cursor as u32 + 2).collect(), Some(4)))
        })
        .map(Result::unwrap)
        .collect();
        assert_eq!(items, vec![0, 1, 2, 3]);
        assert_eq!(calls, 2);
    }

    /// A listing of `total` records served by `serve(cursor, size)`, collected.
    fn listing(
        total: Option<u64>,
        mut serve: impl FnMut(u64, u64) -> Vec<u32>,
    ) -> (Vec<u32>, Option<Error>, Vec<(u64, u64)>) {
        let mut requests = Vec::new();
        let mut items = Vec::new();
        let mut failure = None;
        let paginator = Paginator::new("lookup_users", PageStyle::Offset, 0, 100, |cursor, size| {
            requests.push((cursor, size));
            Ok((serve(cursor, size), total))
        });
        for item in paginator.max_pages(50) {
            match item {
                Ok(item) => items.push(item),
                Err(error) => failure = Some(error),
            }
        }
        (items, failure, requests)
    }

    #[test]
    fn a_server_that_caps_pages_loses_nothing() {
        // Asked for 100, it sends 50: the count, not the short page, ends the listing.
        let (items, failure, requests) =
            listing(Some(120), |cursor, _| (cursor as u32..(cursor as u32 + 50).min(120)).collect());
        assert!(failure.is_none(), "{failure:?}");
        assert_eq!(items, (0..120).collect::<Vec<_>>());
        assert_eq!(requests, vec![(0, 100), (50, 100), (100, 100)]);
    }

    #[test]
    fn a_server_that_ignores_the_cursor_is_stopped() {
        let (items, failure, requests) = listing(Some(20_000), |_, _| (0..100).collect());
        assert_eq!(items.len(), 100, "the first page is real; the repeat is not yielded");
        assert_eq!(requests.len(), 2);
        let message = failure.expect("an error").to_string();
        assert!(message.contains("repeats the previous page") && message.contains("offset 100"), "{message}");
        let (items, failure, _) = listing(None, |_, _| (0..100).collect());
        assert_eq!(items.len(), 100);
        assert!(matches!(failure, Some(Error::Pagination(_))));
    }

    #[test]
    fn a_server_cycling_between_two_pages_is_stopped() {
        let (items, failure, requests) = listing(Some(20_000), |cursor, _| {
            if (cursor / 100).is_multiple_of(2) { (0..100).collect() } else { (100..200).collect() }
        });
        assert_eq!(items, (0..200).collect::<Vec<_>>(), "two real pages, no duplicate");
        assert_eq!(requests.len(), 3);
        let message = failure.expect("an error").to_string();
        assert!(message.contains("offset 200 repeats the page at offset 0"), "{message}");
    }

    #[test]
    fn cursors_saturate_instead_of_overflowing() {
        let mut requests = Vec::new();
        let items: Vec<Result<u32, Error>> = Paginator::new("op", PageStyle::Offset, u64::MAX, 100, |cursor, _| {
            requests.push(cursor);
            Ok((vec![7, 8], Some(u64::MAX)))
        })
        .collect();
        assert_eq!(requests, vec![u64::MAX], "the count is reached at the end of the cursor range");
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn an_empty_page_before_the_count_is_an_error() {
        let (items, failure, _) = listing(Some(150), |cursor, _| if cursor == 0 { (0..100).collect() } else { vec![] });
        assert_eq!(items.len(), 100);
        match failure {
            Some(Error::Pagination(error)) => {
                assert_eq!((error.pages_fetched, error.items_yielded), (2, 100));
                assert!(error.message.contains("empty") && error.message.contains("150"), "{}", error.message);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_number_of_pages_is_bounded() {
        // One new record a page, forever: the page bound ends it.
        let (items, failure, requests) = listing(Some(u64::MAX), |cursor, _| vec![cursor as u32]);
        assert_eq!((items.len(), requests.len()), (50, 50));
        assert!(failure.expect("an error").to_string().contains("more than 50 pages"));
    }

    #[test]
    fn an_error_ends_the_iteration() {
        let mut paginator =
            Paginator::<u32>::new("op", PageStyle::From, 0, 2, |_, _| Err(Error::Config("boom".into())));
        assert!(matches!(paginator.next(), Some(Err(_))));
        assert!(paginator.next().is_none());
    }
}
