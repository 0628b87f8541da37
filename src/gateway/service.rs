//! The gateway as a `tower::Service`, for hyper and for layering.

use std::sync::Arc;

use bytes::Bytes;
use http::Request;
use http_body::Body;

use super::{Gateway, pipeline};
use crate::body::BoxError;
use crate::proxy::UpstreamClient;
use crate::server::service::{Handler, ServiceFuture};

/// The gateway forwarding through the client it was made with (one per
/// serving thread).
#[derive(Clone)]
pub struct GatewayService {
    gateway: Arc<Gateway>,
    client: Arc<UpstreamClient>,
}

impl GatewayService {
    /// `gateway` forwarding through `client`.
    pub fn new(gateway: Arc<Gateway>, client: UpstreamClient) -> Self {
        GatewayService {
            gateway,
            client: Arc::new(client),
        }
    }
}

impl Handler for GatewayService {
    fn handle<B>(&self, request: Request<B>) -> ServiceFuture
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<BoxError>,
    {
        let gateway = self.gateway.clone();
        let client = self.client.clone();
        Box::pin(pipeline::serve(gateway, client, request))
    }
}
