//! A small HTTP/1.1 connection pool shared by a group of simulated apps:
//! at most `size` requests in flight, so at most `size` keep-alive
//! connections, however many apps share it.

use std::net::SocketAddr;
use std::sync::Mutex;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{ETAG, HOST, HeaderValue, IF_NONE_MATCH};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

pub struct Pool {
    address: SocketAddr,
    host: HeaderValue,
    permits: Semaphore,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
}

/// What a `GET` got.
pub struct Answer {
    pub status: StatusCode,
    pub etag: Option<HeaderValue>,
}

impl Pool {
    pub fn new(address: SocketAddr, size: usize) -> Pool {
        Pool {
            address,
            host: HeaderValue::from_str(&address.to_string()).expect("a valid header"),
            permits: Semaphore::new(size),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// `GET path`, with `If-None-Match` when given; the whole body is read.
    pub async fn get(
        &self,
        path: &str,
        if_none_match: Option<&HeaderValue>,
    ) -> anyhow::Result<Answer> {
        let _permit = self.permits.acquire().await?;
        let idle = self.idle.lock().expect("not poisoned").pop();
        let mut sender = match idle {
            Some(sender) if !sender.is_closed() => sender,
            _ => {
                let stream = TcpStream::connect(self.address).await?;
                stream.set_nodelay(true)?;
                let (sender, connection) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
                tokio::spawn(connection);
                sender
            }
        };
        let mut request = Request::get(path).header(HOST, self.host.clone());
        if let Some(tag) = if_none_match {
            request = request.header(IF_NONE_MATCH, tag.clone());
        }
        sender.ready().await?;
        let response = sender
            .send_request(request.body(Full::new(Bytes::new()))?)
            .await?;
        let status = response.status();
        let etag = response.headers().get(ETAG).cloned();
        response.into_body().collect().await?;
        self.idle.lock().expect("not poisoned").push(sender);
        Ok(Answer { status, etag })
    }
}
