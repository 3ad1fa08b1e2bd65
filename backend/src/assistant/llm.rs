//! Replies written by an OpenAI-compatible chat completions endpoint, from
//! the passages the offline retrieval found.

use std::time::Duration;

use anyhow::{Context, bail};
use earshot_shared::dto::{Message, REPLY_WINDOW_SECS, Role};
use serde::{Deserialize, Serialize};

use super::answer::Found;
use crate::config::{LlmConfig, redacted};

/// How long one completion may take (local models on a laptop are slow):
/// within the time the app shows that a reply is coming, leaving room to
/// reply offline instead.
const TIMEOUT: Duration = Duration::from_secs(REPLY_WINDOW_SECS - 30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of each earlier message goes along as context, in characters.
const HISTORY_CHARS: usize = 2_000;

const INSTRUCTIONS: &str = "You are Earshot's assistant. Earshot keeps the user's audio \
recordings and their transcripts. Answer the user's latest question using only the \
passages from their recordings listed below; do not invent anything they do not say. \
Cite every passage you use with its link exactly as given, in the form \
[<recording title> @ m:ss](/recordings/<id>?t=<seconds>) (a time written with ~ is \
estimated; keep the ~). If the passages do not answer the question, say so plainly and \
suggest adding a transcript to a recording on its page in Earshot. Answer briefly, in the language of the \
question.";

/// A client of one endpoint.
pub struct Llm {
    client: reqwest::Client,
    endpoint: String,
    model: String,
    api_key: Option<String>,
}

impl std::fmt::Debug for Llm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of logs.
        f.debug_struct("Llm")
            .field("endpoint", &redacted(&self.endpoint))
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize)]
struct Request<'a> {
    model: &'a str,
    messages: Vec<ChatMessage>,
    temperature: f32,
    stream: bool,
}

#[derive(Debug, Serialize)]
struct ChatMessage {
    role: &'static str,
    content: String,
}

#[derive(Debug, Deserialize)]
struct Response {
    choices: Vec<Choice>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Debug, Deserialize)]
struct ChoiceMessage {
    content: Option<String>,
}

impl Llm {
    /// A client for `config`; fails when its URL is not an http(s) URL.
    pub fn new(config: &LlmConfig) -> anyhow::Result<Self> {
        let base = config.url.trim().trim_end_matches('/');
        let url = reqwest::Url::parse(base).map_err(|_| {
            anyhow::anyhow!("the language model URL `{}` is not a URL", redacted(base))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            bail!(
                "the language model URL `{}` must start with http:// or https://",
                redacted(base)
            );
        }
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(Llm {
            client,
            endpoint: format!("{base}/chat/completions"),
            model: config.model.clone(),
            api_key: config.api_key.clone(),
        })
    }

    /// Asks for a reply to the last message of `history` (oldest first),
    /// given the passages `found`.
    pub async fn answer(&self, history: &[Message], found: &[Found]) -> anyhow::Result<String> {
        let request = Request {
            model: &self.model,
            messages: prompt(history, found),
            temperature: 0.2,
            stream: false,
        };
        let mut call = self.client.post(&self.endpoint).json(&request);
        if let Some(key) = &self.api_key {
            call = call.bearer_auth(key);
        }
        // reqwest's errors name the URL, which may hold a password or a key.
        let response = call
            .send()
            .await
            .map_err(reqwest::Error::without_url)
            .context("the language model did not answer")?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let body: String = body.chars().take(300).collect();
            bail!("the language model answered {status}: {body}");
        }
        let response: Response = response
            .json()
            .await
            .map_err(reqwest::Error::without_url)
            .context("the language model's answer is not a chat completion")?;
        let content = response
            .choices
            .into_iter()
            .next()
            .and_then(|choice| choice.message.content)
            .unwrap_or_default();
        if content.trim().is_empty() {
            bail!("the language model's answer is empty");
        }
        Ok(content.trim().to_string())
    }
}

/// The instructions with the passages, then the conversation.
fn prompt(history: &[Message], found: &[Found]) -> Vec<ChatMessage> {
    let mut context = String::from(INSTRUCTIONS);
    if found.is_empty() {
        context.push_str("\n\nNo passage of the user's recordings matches this question.");
    } else {
        context.push_str("\n\nPassages from the user's recordings:");
        for (number, f) in found.iter().enumerate() {
            context.push_str(&format!(
                "\n{}. {}: “{}”",
                number + 1,
                f.citation(),
                f.quote
            ));
        }
    }
    let mut messages = vec![ChatMessage {
        role: "system",
        content: context,
    }];
    messages.extend(history.iter().map(|m| ChatMessage {
        role: m.role.as_str(),
        content: m.content.chars().take(HISTORY_CHARS).collect(),
    }));
    // Some servers insist that the conversation ends with the user.
    if history.last().map(|m| m.role) != Some(Role::User) {
        messages.push(ChatMessage {
            role: "user",
            content: "Go on.".to_string(),
        });
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_logged_without_credentials_or_query() {
        assert_eq!(
            redacted("https://me:pw@llm.example:8443/v1/chat/completions?api_key=k#x"),
            "https://llm.example:8443/v1/chat/completions"
        );
        assert_eq!(
            redacted("http://127.0.0.1:8080/v1"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(redacted("nonsense with a key k1"), "(not a URL)");
        let llm = Llm::new(&LlmConfig {
            url: "http://me:pw@127.0.0.1/v1?key=k".into(),
            model: "m".into(),
            api_key: None,
        })
        .unwrap();
        let shown = format!("{llm:?}");
        assert!(!shown.contains("pw") && !shown.contains("key=k"), "{shown}");
    }

    #[test]
    fn only_http_urls_are_accepted() {
        let config = |url: &str| LlmConfig {
            url: url.to_string(),
            model: "m".to_string(),
            api_key: None,
        };
        let llm = Llm::new(&config("http://127.0.0.1:8080/v1/")).unwrap();
        assert_eq!(llm.endpoint, "http://127.0.0.1:8080/v1/chat/completions");
        assert!(Llm::new(&config("file:///etc/passwd")).is_err());
        assert!(Llm::new(&config("not a url")).is_err());
        let err = Llm::new(&config("ftp://user:secret@host/v1?key=k2")).unwrap_err();
        assert!(!format!("{err:#}").contains("secret"), "{err:#}");
    }
}
