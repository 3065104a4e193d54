//! Answering for the item(s) chosen: a cart line when the item and size are
//! clear, a [`Question`] with buttons' options when they are not, a sold-out
//! notice when nothing on offer fits.

use chatorder_shared::domain::{Money, Sku};
use chatorder_shared::events::CatalogItem;

use super::index::{Group, Matcher};
use super::parsed::{Choice, Parsed, ParsedLine, Prompt, Question, QuestionKind};

impl Matcher {
    /// One item chosen: pick its size, or ask.
    pub(super) fn resolve(
        &self,
        g: usize,
        size: Option<&str>,
        qty: u32,
        fragment: &str,
        out: &mut Parsed,
    ) {
        let Some(group) = self.groups.get(g) else {
            return;
        };
        let named =
            size.and_then(|key| group.items.iter().copied().find(|&i| self.size_is(i, key)));
        if let Some(i) = named {
            self.line_or_unavailable(i, qty, fragment, out);
            return;
        }
        // A single item is taken when no size was said, or when it has no
        // sizes at all ("large croissant"); a size it lacks is asked about.
        if let [i] = group.items.as_slice()
            && (size.is_none() || self.size_keys.get(*i).is_some_and(Option::is_none))
        {
            self.line_or_unavailable(*i, qty, fragment, out);
            return;
        }
        let options: Vec<(Sku, Choice)> = group
            .items
            .iter()
            .filter_map(|&i| self.items.get(i))
            .filter(|item| item.available)
            .map(option)
            .collect();
        if options.is_empty() {
            out.unavailable
                .push((fragment.to_owned(), group.name.clone()));
            return;
        }
        let prompt = match size {
            Some(key) => Prompt::NoSuchSize {
                item: group.name.clone(),
                size: self.size_label(key),
                sizes: self.sizes_of(group),
            },
            None => Prompt::WhichSize {
                item: group.name.clone(),
            },
        };
        out.questions.push(Question {
            fragment: fragment.to_owned(),
            qty,
            prompt,
            options,
            kind: QuestionKind::Size,
        });
    }

    /// Several items fit equally well: ask which one.
    pub(super) fn ask_which(
        &self,
        groups: &[usize],
        size: Option<&str>,
        qty: u32,
        fragment: &str,
        out: &mut Parsed,
    ) {
        let prompt = Prompt::WhichOne {
            fragment: fragment.to_owned(),
        };
        if let Some(key) = size {
            let exact: Vec<(Sku, Choice)> = groups
                .iter()
                .filter_map(|&g| self.groups.get(g))
                .flat_map(|group| group.items.iter().copied())
                .filter(|&i| self.size_is(i, key))
                .filter_map(|i| self.items.get(i))
                .filter(|item| item.available)
                .map(option)
                .collect();
            if !exact.is_empty() {
                out.questions.push(Question {
                    fragment: fragment.to_owned(),
                    qty,
                    prompt: prompt.clone(),
                    options: exact,
                    kind: QuestionKind::Item { size_known: true },
                });
                return;
            }
        }
        let options: Vec<(Sku, Choice)> = groups
            .iter()
            .filter_map(|&g| self.groups.get(g))
            .filter_map(|group| self.whole_item_option(group))
            .collect();
        if options.is_empty() {
            for group in groups.iter().filter_map(|&g| self.groups.get(g)) {
                out.unavailable
                    .push((fragment.to_owned(), group.name.clone()));
            }
            return;
        }
        out.questions.push(Question {
            fragment: fragment.to_owned(),
            qty,
            prompt,
            options,
            kind: QuestionKind::Item { size_known: false },
        });
    }

    /// An option standing for a whole item: its exact SKU when it has one
    /// size, else its first available SKU labelled with the sizes on offer.
    fn whole_item_option(&self, group: &Group) -> Option<(Sku, Choice)> {
        let item = group
            .items
            .iter()
            .filter_map(|&i| self.items.get(i))
            .find(|item| item.available)?;
        if group.items.len() == 1 {
            return Some(option(item));
        }
        let choice = Choice::Sizes {
            name: group.name.clone(),
            sizes: self.sizes_of(group),
        };
        Some((item.sku.clone(), choice))
    }

    pub(super) fn line_or_unavailable(&self, i: usize, qty: u32, fragment: &str, out: &mut Parsed) {
        let Some(item) = self.items.get(i) else {
            return;
        };
        if item.available {
            out.lines.push(ParsedLine {
                sku: item.sku.clone(),
                qty,
                fragment: fragment.to_owned(),
            });
        } else {
            out.unavailable
                .push((fragment.to_owned(), item.display_name()));
        }
    }
}

/// An exact item as an option: "The Hawaiian Pizza (L) — $20.75".
fn option(item: &CatalogItem) -> (Sku, Choice) {
    let choice = Choice::Item {
        name: item.display_name(),
        price: Money::new(item.price_minor, item.currency),
    };
    (item.sku.clone(), choice)
}
