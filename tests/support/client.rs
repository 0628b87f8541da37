//! A minimal HTTP client for tests (hyper-util, plain http on loopback).

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub type TestClient = Client<HttpConnector, Full<Bytes>>;

pub fn client() -> TestClient {
    Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

/// A collected response.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {:?}", self.body))
    }
    pub fn error_code(&self) -> Option<i64> {
        self.json().pointer("/error/code").and_then(Value::as_i64)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A request builder with MCP-friendly defaults.
pub struct Call {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Call {
    pub fn post(url: &str, token: Option<&str>, body: impl Into<Bytes>) -> Call {
        let mut c = Call {
            method: Method::POST,
            url: url.into(),
            headers: vec![],
            body: body.into(),
        };
        c = c
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(t) = token {
            c = c.header("authorization", &format!("Bearer {t}"));
        }
        c
    }

    pub fn post_json(url: &str, token: Option<&str>, v: &Value) -> Call {
        Call::post(url, token, serde_json::to_vec(v).unwrap())
    }

    pub fn new(method: Method, url: &str, token: Option<&str>) -> Call {
        let c = Call {
            method,
            url: url.into(),
            headers: vec![],
            body: Bytes::new(),
        };
        match token {
            Some(t) => c.header("authorization", &format!("Bearer {t}")),
            None => c,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds one more `name` line, keeping any already there (for requests
    /// that repeat a header).
    pub fn append(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn without(mut self, name: &str) -> Call {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    pub async fn send_streaming(self) -> http::Response<Incoming> {
        let mut req = Request::builder().method(self.method).uri(&self.url);
        for (n, v) in &self.headers {
            req = req.header(n, v);
        }
        client()
            .request(req.body(Full::new(self.body)).unwrap())
            .await
            .unwrap()
    }

    pub async fn send(self) -> Answer {
        let resp = self.send_streaming().await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        Answer {
            status,
            headers,
            body,
        }
    }
}

/// A JSON-RPC request body.
pub fn rpc(id: i64, method: &str, params: Value) -> Value {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}
