import HTTPTypes

/// Cross-origin reads for browser dashboards served from elsewhere (`--cors-origin`, repeatable;
/// none by default). An allowed origin gets its own name back in `Access-Control-Allow-Origin`
/// (never `*`, and never an origin it was not given); any other origin gets no CORS header at all,
/// so the browser keeps the answer from the page.
public struct CORSPolicy: Sendable {
    /// Normalized origins (`scheme://host[:port]`, lowercase).
    public let origins: Set<String>

    /// - Throws: `Invalid` for an origin that is not `http(s)://host[:port]` (or is `*`).
    public init(origins: [String]) throws(Invalid) {
        var normalized: Set<String> = []
        for origin in origins {
            guard let valid = Self.normalize(origin) else { throw Invalid(origin: origin) }
            normalized.insert(valid)
        }
        self.origins = normalized
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let origin: String
        public var description: String {
            "\"\(origin)\" is not an origin: write scheme://host[:port] (http or https, no path, no `*`), "
                + "e.g. https://dashboard.example.com"
        }
    }

    /// `scheme://host[:port]` in lowercase, or `nil` when `text` is not such an origin.
    public static func normalize(_ text: String) -> String? {
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https://"
        } else if lower.hasPrefix("http://") {
            scheme = "http://"
        } else {
            return nil
        }
        let rest = lower.dropFirst(scheme.count)
        var host = Substring(rest)
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            host = rest[..<colon]
            let port = rest[rest.index(after: colon)...]
            guard port.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(port), (1...65535).contains(number)
            else { return nil }
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-[]:")
        guard !host.isEmpty, host.count <= 253, host.allSatisfy({ allowed.contains($0) }),
            !host.hasPrefix("."), !host.hasPrefix("-")
        else { return nil }
        return scheme + rest
    }

    var isEnabled: Bool { !origins.isEmpty }

    /// The request's origin when it is allowed.
    func allowedOrigin(_ request: HTTPRequest) -> String? {
        guard isEnabled, let origin = request.headerFields[.origin], let normalized = Self.normalize(origin),
            origins.contains(normalized)
        else { return nil }
        return origin
    }

    static let allowedHeaders = "Authorization, Content-Type, If-None-Match, Accept"
    static let exposedHeaders = "ETag, X-Projection-Position, Retry-After"

    /// Adds the CORS headers of an answer to `origin` (allowed) to `headers`; `Vary: Origin` always
    /// when CORS is on (the answer depends on the origin).
    func decorate(_ headers: inout HTTPFields, origin: String?) {
        guard isEnabled else { return }
        headers[.vary] = headers[.vary].map { $0 + ", Origin" } ?? "Origin"
        guard let origin else { return }
        headers[.accessControlAllowOrigin] = origin
        headers[.accessControlExposeHeaders] = Self.exposedHeaders
    }

    /// The preflight's extra headers for an allowed origin.
    func preflight(_ headers: inout HTTPFields, methods: [HTTPRequest.Method]) {
        headers[.accessControlAllowMethods] = methods.map(\.rawValue).joined(separator: ", ")
        headers[.accessControlAllowHeaders] = Self.allowedHeaders
        headers[.accessControlMaxAge] = "600"
    }
}
