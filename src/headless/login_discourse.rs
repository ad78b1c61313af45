//! `roomscribe login discourse [--no-browser]`: the User API key flow. We make a key pair, the
//! user approves roomscribe on the forum, Discourse shows an encrypted payload that the user
//! pastes here; we decrypt it, check the nonce and store `{forum, key, client_id}` (0600).

use std::io::BufRead;

use anyhow::{Context, Result, bail};

use super::forum;
use crate::config::Options;
use crate::discourse::user_api_key::KeyRequest;

/// Needs only the forum URL: no secret command runs.
pub fn run(no_browser: bool, opts: &Options) -> Result<()> {
    let Some(url) = opts.forum_url.clone() else {
        bail!("which forum? pass --forum URL (or set [forum] url in the config)");
    };
    let base = url.trim_end_matches('/').to_string();
    eprintln!("roomscribe: making a key pair…");
    let request = KeyRequest::generate(2048)?;
    let link = request.authorize_url(&base)?;
    let opened = !no_browser && crate::browser::open(&link);
    if opened {
        eprintln!("Approve roomscribe in the browser window that just opened.");
    } else {
        eprintln!("Open this link, sign in and approve roomscribe:\n");
        println!("{link}\n");
    }
    eprintln!("Then paste the text Discourse shows (end with an empty line):");
    let pasted = read_paste()?;
    if pasted.trim().is_empty() {
        bail!("nothing pasted; run `roomscribe login discourse` again");
    }
    let key = request.accept(&base, &pasted)?;
    let path = forum::key_file();
    key.save(&path)
        .with_context(|| format!("cannot store the key in {}", path.display()))?;
    eprintln!(
        "roomscribe: signed in to {base}; key stored in {}",
        path.display()
    );
    Ok(())
}

/// Lines until an empty one (after some text) or end of input: the payload may be wrapped.
fn read_paste() -> Result<String> {
    let mut text = String::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read the pasted text")?;
        if line.trim().is_empty() && !text.is_empty() {
            break;
        }
        text.push_str(line.trim());
    }
    Ok(text)
}
