//! `roomscribe categories [--json]`: the forum's categories as a tree, with what you may do.

use anyhow::Result;

use super::forum;
use crate::config::Options;
use crate::discourse::categories;

pub fn run(json: bool, opts: &Options) -> Result<()> {
    let client = forum::connect(opts)?;
    let cats = forum::runtime()?.block_on(categories::fetch(&client))?;
    if json {
        println!("{}", roomscribe_transcript::sanitize::json_pretty(&cats)?);
    } else if cats.is_empty() {
        println!("(no categories visible to you)");
    } else {
        for line in categories::tree_lines(&cats) {
            println!("{}", roomscribe_transcript::sanitize::display(&line));
        }
    }
    Ok(())
}
