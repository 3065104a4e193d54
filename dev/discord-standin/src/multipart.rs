//! Just enough `multipart/form-data` parsing to find the `payload_json` part and the files.
//!
//! serenity sends a message with attachments as parts `files[n]` (file name and a content
//! type guessed from it, e.g. `text/csv`), then `payload_json`, whose `attachments` list
//! names each file by `id` = n.

/// The parts of a multipart body that matter to the stand-in.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct FormParts {
    pub(crate) payload_json: Option<String>,
    pub(crate) files: Vec<Upload>,
}

/// One file part as it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Upload {
    /// The part's name: `files[0]`, …
    pub(crate) part: String,
    pub(crate) filename: String,
    pub(crate) content_type: Option<String>,
    pub(crate) bytes: Vec<u8>,
}

impl Upload {
    /// The `n` of a `files[n]` part: the placeholder id `payload_json` names it by.
    pub(crate) fn index(&self) -> Option<u64> {
        self.part
            .strip_prefix("files[")?
            .strip_suffix(']')?
            .parse()
            .ok()
    }
}

/// The boundary from a `Content-Type: multipart/form-data; boundary=…` value.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_owned())
    })
}

/// Splits `body` at `--boundary` lines and reads each part's name, file name and text.
pub(crate) fn parse(body: &[u8], boundary: &str) -> FormParts {
    let delimiter = format!("--{boundary}");
    let mut parts = FormParts::default();
    for chunk in split(body, delimiter.as_bytes()).into_iter().skip(1) {
        if chunk.starts_with(b"--") {
            break;
        }
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let Some(split_at) = find(chunk, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&chunk[..split_at]);
        let content = &chunk[split_at + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = param(&headers, "name");
        match (name.as_deref(), param(&headers, "filename")) {
            (Some("payload_json"), None) => {
                parts.payload_json = Some(String::from_utf8_lossy(content).into_owned());
            }
            (Some(name), Some(filename)) => parts.files.push(Upload {
                part: name.to_owned(),
                filename,
                content_type: header(&headers, "content-type"),
                bytes: content.to_vec(),
            }),
            _ => {}
        }
    }
    parts
}

fn header(headers: &str, name: &str) -> Option<String> {
    headers.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

fn param(headers: &str, key: &str) -> Option<String> {
    let line = headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
    line.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k == key).then(|| v.trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = find(rest, delimiter) {
        out.push(&rest[..at]);
        rest = &rest[at + delimiter.len()..];
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_payload_json_and_files() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.txt\"\r\n\
                    Content-Type: text/plain\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; \
                    name=\"payload_json\"\r\n\r\n{\"content\":\"hi\"}\r\n--XyZ--\r\n";
        let b = boundary("multipart/form-data; boundary=XyZ").expect("boundary");
        let parts = parse(body.as_bytes(), &b);
        assert_eq!(parts.payload_json.as_deref(), Some("{\"content\":\"hi\"}"));
        assert_eq!(
            parts.files,
            [Upload {
                part: "files[0]".to_owned(),
                filename: "a.txt".to_owned(),
                content_type: Some("text/plain".to_owned()),
                bytes: b"hello".to_vec(),
            }]
        );
        assert_eq!(parts.files[0].index(), Some(0));
        assert_eq!(boundary("application/json"), None);
    }

    /// A file's bytes are kept exactly, line breaks and quotes included.
    #[test]
    fn keeps_file_bytes_exactly() {
        let csv = "a,b\r\n\"x, y\",\"line\nbreak\"\n";
        let body = format!(
            "--B\r\nContent-Disposition: form-data; name=\"files[1]\"; filename=\"o.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n{csv}\r\n--B\r\nContent-Disposition: form-data; \
             name=\"payload_json\"\r\n\r\n{{}}\r\n--B--\r\n"
        );
        let parts = parse(body.as_bytes(), "B");
        assert_eq!(parts.files[0].bytes, csv.as_bytes());
        assert_eq!(parts.files[0].index(), Some(1));
        assert_eq!(parts.files[0].content_type.as_deref(), Some("text/csv"));
    }
}
