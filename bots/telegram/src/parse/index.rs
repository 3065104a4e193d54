//! The catalog index a [`Matcher`] reads against: items grouped by name
//! (one group per item, its sizes inside), each name's matching words, and
//! the lexicon they extend.

use std::collections::{HashMap, HashSet};

use chatorder_shared::domain::Sku;
use chatorder_shared::events::CatalogItem;

use super::english::SIZE_ORDER;
use super::words::Lexicon;

/// Reads order messages against one catalog. Build once per catalog.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub(super) items: Vec<CatalogItem>,
    /// Each item's size as a comparable key ("l", "xl", …).
    pub(super) size_keys: Vec<Option<String>>,
    pub(super) by_sku: HashMap<Sku, usize>,
    pub(super) groups: Vec<Group>,
    /// Item index → group index.
    pub(super) group_of: Vec<usize>,
    pub(super) lexicon: Lexicon,
}

/// All sizes of one item: the catalog entries sharing a name.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) name: String,
    /// Canonical words of the name in order, without "the", "and", … and
    /// without words most names share ("pizza").
    pub(super) core: Vec<String>,
    /// `core` without repeats ("vegetables + vegetables" → one word).
    pub(super) distinct: Vec<String>,
    /// Item indices, smallest size first.
    pub(super) items: Vec<usize>,
}

impl Matcher {
    /// Indexes `items`; unavailable items are kept so they can be reported as sold out.
    pub fn new(items: &[CatalogItem]) -> Self {
        let items = items.to_vec();
        let mut lexicon = Lexicon::with_builtins();
        let size_keys: Vec<Option<String>> = items
            .iter()
            .map(|item| item.size.as_deref().map(|s| lexicon.size_key(s)))
            .collect();
        lexicon.add_catalog_sizes(&items, &size_keys);

        let (groups, group_of) = build_groups(&items, &size_keys, &mut lexicon);
        lexicon.build_spellings(groups.iter().map(|g| g.name.as_str()));

        let by_sku = items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.sku.clone(), i))
            .collect();
        Self {
            items,
            size_keys,
            by_sku,
            groups,
            group_of,
            lexicon,
        }
    }

    /// The catalog item with this SKU.
    pub fn item(&self, sku: &Sku) -> Option<&CatalogItem> {
        self.by_sku.get(sku).and_then(|&i| self.items.get(i))
    }

    pub(super) fn size_is(&self, i: usize, key: &str) -> bool {
        self.size_keys
            .get(i)
            .is_some_and(|k| k.as_deref() == Some(key))
    }

    pub(super) fn is_available(&self, i: usize) -> bool {
        self.items.get(i).is_some_and(|item| item.available)
    }

    /// The sizes on offer, as the catalog writes them.
    pub(super) fn sizes_of(&self, group: &Group) -> Vec<String> {
        group
            .items
            .iter()
            .filter(|&&i| self.is_available(i))
            .filter_map(|&i| self.items.get(i)?.size.clone())
            .collect()
    }

    pub(super) fn size_label(&self, key: &str) -> String {
        self.lexicon
            .size_labels
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_uppercase())
    }
}

/// Groups items by name and derives each name's matching words.
fn build_groups(
    items: &[CatalogItem],
    size_keys: &[Option<String>],
    lexicon: &mut Lexicon,
) -> (Vec<Group>, Vec<usize>) {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let mut group_of = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let g = *by_name.entry(item.name.as_str()).or_insert_with(|| {
            groups.push(Group {
                name: item.name.clone(),
                core: Vec::new(),
                distinct: Vec::new(),
                items: Vec::new(),
            });
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(g) {
            group.items.push(i);
        }
        group_of.push(g);
    }

    let words: Vec<Vec<String>> = groups
        .iter()
        .map(|g| lexicon.name_words_of(&g.name))
        .collect();
    lexicon.generic = generic_words(&words);
    for (group, words) in groups.iter_mut().zip(words) {
        let core: Vec<String> = words
            .iter()
            .filter(|w| !lexicon.generic.contains(*w))
            .cloned()
            .collect();
        // A name made only of common words still has to be matchable.
        group.core = if core.is_empty() { words } else { core };
        group.distinct = Vec::new();
        for w in &group.core {
            if !group.distinct.contains(w) {
                group.distinct.push(w.clone());
            }
        }
        lexicon.name_words.extend(group.distinct.iter().cloned());
        group
            .items
            .sort_by_key(|&i| size_rank(size_keys.get(i).and_then(Option::as_deref)));
    }
    (groups, group_of)
}

/// Words in more than half of the names (and at least three): "pizza" in a pizza shop.
fn generic_words(names: &[Vec<String>]) -> HashSet<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for words in names {
        let unique: HashSet<&str> = words.iter().map(String::as_str).collect();
        for w in unique {
            *counts.entry(w).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|&(_, n)| n >= 3 && n * 2 > names.len())
        .map(|(w, _)| w.to_owned())
        .collect()
}

/// Smallest first; sizes the table does not know keep catalog order after them.
fn size_rank(key: Option<&str>) -> usize {
    match key {
        None => 0,
        Some(k) => SIZE_ORDER
            .iter()
            .position(|s| *s == k)
            .map_or(SIZE_ORDER.len() + 1, |p| p + 1),
    }
}
