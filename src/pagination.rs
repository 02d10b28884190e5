//! Lazy iteration over the paginated listings.

use std::fmt;

use crate::Error;

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

/// An iterator over every item of a paginated listing, fetching one page at a time.
///
/// It requests the next page only when the current one is used up, holds one page in
/// memory, and stops after a short or empty page, or once the listing's total `count` is
/// reached. After yielding an error it yields nothing more.
#[must_use = "iterators are lazy: nothing is fetched until the iterator is used"]
pub struct Paginator<'a, T> {
    style: PageStyle,
    cursor: u64,
    page_size: u64,
    seen: u64,
    fetch: Fetch<'a, T>,
    page: std::vec::IntoIter<T>,
    pages_fetched: u64,
    done: bool,
}

impl<'a, T> Paginator<'a, T> {
    pub(crate) fn new(
        style: PageStyle,
        first: u64,
        page_size: u64,
        fetch: impl FnMut(u64, u64) -> Result<(Vec<T>, Option<u64>), Error> + 'a,
    ) -> Self {
        Paginator {
            style,
            cursor: first,
            page_size: page_size.max(1),
            seen: 0,
            fetch: Box::new(fetch),
            page: Vec::new().into_iter(),
            pages_fetched: 0,
            done: false,
        }
    }

    /// How many pages have been requested so far.
    pub fn pages_fetched(&self) -> u64 {
        self.pages_fetched
    }
}

impl<T> fmt::Debug for Paginator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("style", &self.style)
            .field("cursor", &self.cursor)
            .field("page_size", &self.page_size)
            .field("pages_fetched", &self.pages_fetched)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T> Iterator for Paginator<'_, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.page.next() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            self.pages_fetched += 1;
            // Free the used-up page before the next one arrives, so only one is ever held.
            self.page = Vec::new().into_iter();
            match (self.fetch)(self.cursor, self.page_size) {
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
                Ok((items, total)) => {
                    let received = items.len() as u64;
                    self.seen += received;
                    self.cursor += match self.style {
                        PageStyle::Offset | PageStyle::From => received,
                        PageStyle::Page => 1,
                    };
                    let reached_total = total.is_some_and(|total| self.cursor >= total);
                    if received < self.page_size || reached_total {
                        self.done = true;
                    }
                    self.page = items.into_iter();
                }
            }
        }
    }
}

impl<T> std::iter::FusedIterator for Paginator<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(data: Vec<u32>, style: PageStyle, size: u64) -> (Vec<u32>, Vec<(u64, u64)>) {
        let mut requests = Vec::new();
        let items: Vec<u32> =
            Paginator::new(style, if style == PageStyle::Page { 1 } else { 0 }, size, |cursor, size| {
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
        let items: Vec<u32> = Paginator::new(PageStyle::Offset, 0, 2, |cursor, _| {
            calls += 1;
            Ok(((cursor as u32..cursor as u32 + 2).collect(), Some(4)))
        })
        .map(Result::unwrap)
        .collect();
        assert_eq!(items, vec![0, 1, 2, 3]);
        assert_eq!(calls, 2);
    }

    #[test]
    fn an_error_ends_the_iteration() {
        let mut paginator = Paginator::<u32>::new(PageStyle::From, 0, 2, |_, _| Err(Error::Config("boom".into())));
        assert!(matches!(paginator.next(), Some(Err(_))));
        assert!(paginator.next().is_none());
    }
}
