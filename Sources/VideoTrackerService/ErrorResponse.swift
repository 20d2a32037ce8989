import Hummingbird
import VideoTracker

/// `TrackingError` as an HTTP response: `{"error": {"code", "message", "field"}}` with the
/// status its kind calls for. Every failure the service answers with goes through here.
struct ErrorResponse: HTTPResponseError {
    let error: TrackingError
    /// The `Allow` header of a 405: the methods the route does take.
    var allow: [HTTPRequest.Method] = []
    /// A status the kind does not say (507 for a full disk).
    var statusOverride: HTTPResponse.Status?

    init(error: TrackingError, allow: [HTTPRequest.Method] = []) {
        self.error = error
        self.allow = allow
    }

    init(error: TrackingError, status: HTTPResponse.Status) {
        self.error = error
        self.statusOverride = status
    }

    var status: HTTPResponse.Status {
        if let statusOverride { return statusOverride }
        return switch error.kind {
        case .badRequest: .badRequest
        case .tooLarge: .contentTooLarge
        case .unprocessable: .unprocessableContent
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .upstream: .badGateway
        case .overloaded: .serviceUnavailable
        case .deadline: .gatewayTimeout
        case .internalFailure: .internalServerError
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if error.kind == .overloaded { headers[.retryAfter] = "1" }
        if error.kind == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if !allow.isEmpty { headers[.allow] = allow.map(\.rawValue).joined(separator: ", ") }
        return Response(status: status, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: ContractJSON.error(error) + "\n")))
    }

    /// Hummingbird's own errors (unknown route, body too large) in the same shape.
    init(_ error: any Error) {
        if let tracking = error as? TrackingError {
            self.error = tracking
        } else if let response = error as? ErrorResponse {
            self = response
        } else if let http = error as? HTTPResponseError {
            let kind: TrackingError.Kind = switch http.status.code {
            case 413: .tooLarge
            case 401: .unauthorized
            case 403: .forbidden
            case 404: .notFound
            case 405: .methodNotAllowed
            case 400..<500: .badRequest
            default: .internalFailure
            }
            var converted = TrackingError(kind, code: "http_\(http.status.code)", http.status.reasonPhrase.lowercased())
            if http.status.code == 404 { converted.message = "no such route" }
            if http.status.code == 405 { converted.message = "method not allowed on this route" }
            self.error = converted
        } else {
            self.error = TrackingError(.internalFailure, code: "internal_error", "\(error)")
        }
    }
}

/// Turns every error thrown below it into an `ErrorResponse`, so clients see one error shape.
struct ErrorShapeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw ErrorResponse(error)
        }
    }
}
