//! `roomscribe login matrix [--method M] [--no-browser]`: signs in with the best method the
//! server offers and stores the session (0600) in the data directory.
//!
//! Browser methods (OAuth 2.0 / MAS, SSO) end with a redirect to a loopback URL. With a local
//! browser we open it and catch the redirect; over SSH (or `--no-browser`) we print the URL and
//! the user pastes back the address the browser ended on. Both are watched at once, so an SSH
//! port forward works too.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};
use roomscribe_matrix::matrix_sdk::Client;
use roomscribe_matrix::{
    Credentials, LoginMethod, LoopbackCallback, StoredSession, available_methods, check_offered,
    client_for, finish_login, login_password, parse_pasted, start_browser_login,
};

use crate::cli::MatrixLoginMethod;
use crate::config::Options;

pub fn matrix(method: Option<MatrixLoginMethod>, no_browser: bool, opts: &Options) -> Result<()> {
    super::matrix::runtime()?.block_on(async {
        let client = sign_in(opts, method, no_browser).await?;
        let session =
            StoredSession::from_client(&client).context("the server did not start a session")?;
        let path = super::matrix::session_path();
        session.save(&path)?;
        eprintln!(
            "Signed in as {} on {}; session saved to {}",
            session.user_id,
            session.homeserver,
            path.display()
        );
        Ok(())
    })
}

/// Secrets are asked for only on the way to the method that uses them.
async fn sign_in(
    opts: &Options,
    forced: Option<MatrixLoginMethod>,
    no_browser: bool,
) -> Result<Client> {
    let hs = opts.homeserver.as_deref();
    let user = opts.matrix_user.as_deref();
    if matches!(forced, None | Some(MatrixLoginMethod::Token))
        && let Some(token) = opts.secrets.matrix_token()?
    {
        return Ok(roomscribe_matrix::connect(hs, Credentials::Token(token)).await?);
    }
    let client = client_for(hs, user).await?;
    let offered = available_methods(&client).await?;
    let method = match forced {
        Some(m) => {
            let m = from_cli(m);
            check_offered(m, &offered)?;
            m
        }
        // With a password at hand and the server taking it, no browser is needed.
        None if offered.contains(&LoginMethod::Password)
            && opts.secrets.matrix_password()?.is_some() =>
        {
            LoginMethod::Password
        }
        None => offered.first().copied().unwrap_or(LoginMethod::Token),
    };
    match method {
        LoginMethod::Password => {
            let user =
                user.context("password login needs --matrix-user (or ROOMSCRIBE_MATRIX_USER)")?;
            let password = match opts.secrets.matrix_password()? {
                Some(p) => p,
                None => bail!(
                    "password login reads the password from ROOMSCRIBE_MATRIX_PASSWORD (or matrix.password_command)"
                ),
            };
            login_password(&client, user, &password).await?;
            Ok(client)
        }
        LoginMethod::Token => {
            let token = match opts.secrets.matrix_token()? {
                Some(t) => t,
                None => prompt_line("Paste an access token (from another client's settings): ")?,
            };
            let hs = client.homeserver().to_string();
            Ok(roomscribe_matrix::connect(Some(&hs), Credentials::Token(token)).await?)
        }
        LoginMethod::OAuth | LoginMethod::Sso => {
            browser_login(&client, method, no_browser).await?;
            Ok(client)
        }
    }
}

fn from_cli(m: MatrixLoginMethod) -> LoginMethod {
    match m {
        MatrixLoginMethod::Oauth => LoginMethod::OAuth,
        MatrixLoginMethod::Sso => LoginMethod::Sso,
        MatrixLoginMethod::Password => LoginMethod::Password,
        MatrixLoginMethod::Token => LoginMethod::Token,
    }
}

async fn browser_login(client: &Client, method: LoginMethod, no_browser: bool) -> Result<()> {
    let callback = LoopbackCallback::bind().await?;
    let redirect = callback.redirect_uri.clone();
    let pending = start_browser_login(client, method, &redirect).await?;
    let local = !no_browser && crate::browser::open(pending.url.as_str());
    if local {
        eprintln!(
            "Opened your browser to sign in. If nothing happened, open:\n\n  {}\n",
            pending.url
        );
    } else {
        eprintln!(
            "Open this address in a browser and sign in:\n\n  {}\n\n\
             The browser then goes to {redirect}… which may fail to load here (that is expected).\n\
             Copy the whole address from its address bar and paste it below.",
            pending.url
        );
    }
    let pasted = tokio::task::spawn_blocking(|| prompt_line("Address after sign-in: "));
    let arrived = tokio::select! {
        url = callback.wait() => url?,
        line = pasted => parse_pasted(&line.context("reading the pasted address")??, &redirect)?,
    };
    finish_login(client, &pending, &arrived).await?;
    Ok(())
}

fn prompt_line(prompt: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    let n = std::io::stdin().lock().read_line(&mut line)?;
    if n == 0 {
        bail!("no input (stdin closed)");
    }
    Ok(line.trim().to_string())
}
