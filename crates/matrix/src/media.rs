//! Downloading a message's media through the SDK. Since authenticated media (Matrix 1.11) an
//! `mxc://` file needs the user's token; the SDK picks the authenticated endpoint when the
//! server offers it and the legacy one otherwise.

use matrix_sdk::Client;
use matrix_sdk::media::{MediaFormat, MediaRequestParameters};
use matrix_sdk::ruma::OwnedMxcUri;
use matrix_sdk::ruma::events::room::MediaSource;

use crate::error::{Error, Result};

/// The bytes of `mxc`, at most `max_bytes` of them (a larger file is refused after download,
/// since the server does not tell the size first).
pub async fn download_media(client: &Client, mxc: &str, max_bytes: usize) -> Result<Vec<u8>> {
    let uri = OwnedMxcUri::from(mxc);
    if uri.validate().is_err() {
        return Err(Error::Request(format!("not a Matrix media URI: {mxc}")));
    }
    let request = MediaRequestParameters {
        source: MediaSource::Plain(uri),
        format: MediaFormat::File,
    };
    let bytes = client
        .media()
        .get_media_content(&request, false)
        .await
        .map_err(|e| Error::request(&e))?;
    if bytes.len() > max_bytes {
        return Err(Error::Request(format!(
            "{mxc} is larger than {max_bytes} bytes"
        )));
    }
    Ok(bytes)
}
