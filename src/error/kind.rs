//! What kind of failure a [`GatewayError`] is: who is to blame, and a
//! stable name for logs, metrics and the audit trail.

use super::{ErrorSource, GatewayError};

impl GatewayError {
    /// Who is at fault.
    pub fn source_kind(&self) -> ErrorSource {
        match self {
            GatewayError::NoRoute
            | GatewayError::MethodNotAllowed
            | GatewayError::Unauthenticated { .. }
            | GatewayError::InsufficientScope { .. }
            | GatewayError::AmbiguousCredential { .. }
            | GatewayError::AmbiguousHeader(_)
            | GatewayError::ForbiddenOrigin
            | GatewayError::ForbiddenHost
            | GatewayError::UnsupportedMediaType
            | GatewayError::BodyTooLarge { .. }
            | GatewayError::BodyRead
            | GatewayError::JsonRpc(_)
            | GatewayError::HeaderMismatch(_)
            | GatewayError::UnsupportedProtocolVersion(_)
            | GatewayError::ResponseNotAllowed
            | GatewayError::UnknownSession
            | GatewayError::UnknownTask { .. }
            | GatewayError::InvalidRequestState
            | GatewayError::MethodNotFound(_)
            | GatewayError::MissingTasksCapability => ErrorSource::Client,
            GatewayError::UpstreamUnavailable
            | GatewayError::UpstreamTimeout
            | GatewayError::UpstreamAnswerUnusable => ErrorSource::Upstream,
            GatewayError::KeysUnavailable
            | GatewayError::TaskStateUnavailable
            | GatewayError::SessionStateUnavailable => ErrorSource::Internal,
        }
    }

    /// A stable name for the failure, for logs, metrics and the audit
    /// trail (never carries request data).
    pub fn kind(&self) -> &'static str {
        match self {
            GatewayError::NoRoute => "no_route",
            GatewayError::MethodNotAllowed => "method_not_allowed",
            GatewayError::Unauthenticated { .. } => "unauthenticated",
            GatewayError::InsufficientScope { .. } => "insufficient_scope",
            GatewayError::AmbiguousCredential { .. } => "ambiguous_credential",
            GatewayError::AmbiguousHeader(_) => "ambiguous_header",
            GatewayError::ForbiddenOrigin => "forbidden_origin",
            GatewayError::ForbiddenHost => "forbidden_host",
            GatewayError::UnsupportedMediaType => "unsupported_media_type",
            GatewayError::BodyTooLarge { .. } => "body_too_large",
            GatewayError::BodyRead => "body_read",
            GatewayError::JsonRpc(_) => "invalid_json_rpc",
            GatewayError::HeaderMismatch(_) => "header_mismatch",
            GatewayError::UnsupportedProtocolVersion(_) => "unsupported_protocol_version",
            GatewayError::ResponseNotAllowed => "response_not_allowed",
            GatewayError::UnknownSession => "unknown_session",
            GatewayError::UnknownTask { .. } => "unknown_task",
            GatewayError::InvalidRequestState => "invalid_request_state",
            GatewayError::MethodNotFound(_) => "method_not_found",
            GatewayError::MissingTasksCapability => "missing_tasks_capability",
            GatewayError::UpstreamUnavailable => "upstream_unavailable",
            GatewayError::UpstreamTimeout => "upstream_timeout",
            GatewayError::UpstreamAnswerUnusable => "upstream_answer_unusable",
            GatewayError::KeysUnavailable => "keys_unavailable",
            GatewayError::TaskStateUnavailable => "task_state_unavailable",
            GatewayError::SessionStateUnavailable => "session_state_unavailable",
        }
    }
}
