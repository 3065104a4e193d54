//! Tokenizing: a message becomes words, digit runs and separators, lower-cased
//! with accents folded, keeping byte offsets so fragments can be quoted back.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Word,
    Number,
    Sep,
}

#[derive(Debug, Clone)]
pub(super) struct RawToken {
    pub(super) kind: Kind,
    /// Byte range in the message.
    pub(super) start: usize,
    pub(super) end: usize,
    /// Lower-case, accents folded.
    pub(super) surface: String,
    /// Joined to the previous word by a hyphen: "x-large".
    pub(super) hyphen_before: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Letter,
    Digit,
    Sep,
    Apostrophe,
    Hyphen,
    Space,
}

fn char_class(c: char) -> CharClass {
    match c {
        '0'..='9' => CharClass::Digit,
        ',' | ';' | '&' | '+' | '.' | '!' | '?' | '/' | '|' | '\n' | '\r' => CharClass::Sep,
        '\'' | '’' | '‘' | '`' => CharClass::Apostrophe,
        '-' | '‐' | '‑' => CharClass::Hyphen,
        c if c.is_alphabetic() => CharClass::Letter,
        _ => CharClass::Space,
    }
}

/// Splits a message into words, digit runs and separators, keeping byte
/// offsets so fragments can be quoted back exactly as written.
pub(super) fn tokenize(text: &str) -> Vec<RawToken> {
    let mut tokens = Vec::new();
    let mut word: Option<RawToken> = None;
    let mut hyphen = false;
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        let class = char_class(c);
        let kind = match class {
            CharClass::Letter => Kind::Word,
            CharClass::Digit => Kind::Number,
            CharClass::Apostrophe => {
                // "i'd" → "id": the apostrophe joins, it does not split.
                if let Some(w) = word.as_mut() {
                    w.end = end;
                }
                continue;
            }
            CharClass::Hyphen => {
                hyphen = word.is_some();
                tokens.extend(word.take());
                continue;
            }
            CharClass::Sep | CharClass::Space => {
                tokens.extend(word.take());
                hyphen = false;
                if class == CharClass::Sep {
                    tokens.push(RawToken {
                        kind: Kind::Sep,
                        start: at,
                        end,
                        surface: c.to_string(),
                        hyphen_before: false,
                    });
                }
                continue;
            }
        };
        if word.as_ref().is_some_and(|w| w.kind != kind) {
            tokens.extend(word.take());
        }
        let w = word.get_or_insert_with(|| RawToken {
            kind,
            start: at,
            end,
            surface: String::new(),
            hyphen_before: std::mem::take(&mut hyphen),
        });
        w.end = end;
        for lower in c.to_lowercase() {
            fold_accent(lower, &mut w.surface);
        }
    }
    tokens.extend(word);
    tokens
}

/// "Hawaïan" and "hawaian" must read the same; letters outside Latin stay as they are.
fn fold_accent(c: char, out: &mut String) {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'ç' | 'ć' | 'č' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ñ' | 'ń' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
        'ý' | 'ÿ' => "y",
        'š' | 'ś' => "s",
        'ž' | 'ź' | 'ż' => "z",
        'ł' => "l",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(folded);
}
