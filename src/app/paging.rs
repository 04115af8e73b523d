//! One page of a list. Lists are read `limit` at a time after a cursor, the id of the last
//! row of the previous page; the repository is asked for one row more than the page holds,
//! and that row only tells whether there is a next page.

use uuid::Uuid;

/// One page of a list, and where the next starts (`None` on the last page).
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Uuid>,
}

impl<T> Page<T> {
    /// The page in `rows`, fetched as `limit + 1` rows: with the extra row there is a next
    /// page, which starts after the last row kept (`id` names a row).
    pub fn cut(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> Uuid) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(id)
        } else {
            None
        };
        Self { items: rows, next }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }

    /// `map` with a fallible async `f`, called for one item after another.
    pub async fn try_map<U, E, F>(self, mut f: impl FnMut(T) -> F) -> Result<Page<U>, E>
    where
        F: Future<Output = Result<U, E>>,
    {
        let mut items = Vec::with_capacity(self.items.len());
        for item in self.items {
            items.push(f(item).await?);
        }
        Ok(Page {
            items,
            next: self.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    #[test]
    fn the_extra_row_means_a_next_page_starting_after_the_last_row_kept() {
        let page = Page::cut(ids(3), 2, |id| *id);
        assert_eq!(page.items, ids(2));
        assert_eq!(page.next, Some(Uuid::from_u128(2)));
    }

    #[test]
    fn a_page_without_the_extra_row_is_the_last() {
        let page = Page::cut(ids(2), 2, |id| *id);
        assert_eq!(page.items, ids(2));
        assert_eq!(page.next, None);
        assert!(Page::cut(Vec::new(), 2, |id: &Uuid| *id).next.is_none());
    }
}
