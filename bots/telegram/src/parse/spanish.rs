//! The little Spanish built into the parser, as [`super::english`] is for
//! English: size words (both genders), number words, fillers, the words
//! allowed inside a name. Messages are read with accents folded ("pequeña"
//! reads "pequena"), so the words below are written folded too, except size
//! phrases, which are folded when loaded.

use super::english::CountWord;

pub(super) const SIZE_PHRASES: &[(&str, &str)] = &[
    ("pequeño", "s"),
    ("pequeña", "s"),
    ("peque", "s"),
    ("chico", "s"),
    ("chica", "s"),
    ("mediano", "m"),
    ("mediana", "m"),
    ("normal", "m"),
    ("grande", "l"),
    ("extra grande", "xl"),
    ("extragrande", "xl"),
    ("muy grande", "xl"),
    ("gigante", "xxl"),
    ("enorme", "xxl"),
];

/// One to twenty; "un"/"una" are articles (one, unless a number is said).
pub(super) const NUMBER_WORDS: &[&str] = &[
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciseis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
];

pub(super) const OTHER_COUNT_WORDS: &[(&str, CountWord)] = &[
    ("un", CountWord::Article),
    ("una", CountWord::Article),
    ("otro", CountWord::Article),
    ("otra", CountWord::Article),
    ("par", CountWord::Times(2)),
    ("docena", CountWord::Times(12)),
];

/// Politeness and glue that carry no order information.
pub(super) const FILLERS: &[&str] = &[
    "por", "favor", "porfa", "porfavor", "gracias", "hola", "buenas", "buenos", "dias", "tardes",
    "noches", "quiero", "quisiera", "queremos", "querria", "queria", "gustaria", "me", "nos",
    "dame", "deme", "denme", "danos", "ponme", "pon", "poneme", "traeme", "trae", "pido", "pedir",
    "pedimos", "necesito", "tomar", "para", "de", "del", "el", "la", "los", "las", "lo", "al",
    "en", "mi", "yo", "vale", "si", "que", "tamano", "y", "e", "mas", "con", "unos", "unas",
    "cada", "solo", "bien", "tambien",
];

/// Words that never count as part of an item name.
pub(super) const NAME_STOPWORDS: &[&str] =
    &["de", "del", "la", "el", "los", "las", "y", "e", "con"];

/// Words allowed between the words of a name: "pizza de jamón y queso".
pub(super) const NAME_GAP_WORDS: &[&str] = &["y", "e", "con", "de", "del", "la", "el"];

/// Words that always end a fragment (outside a name).
pub(super) const SPLIT_WORDS: &[&str] = &["y", "e", "mas", "tambien"];

/// Words that end a fragment only when an item follows ("con una coca").
pub(super) const WITH_WORDS: &[&str] = &["con"];
