import HTTPTypes
import Hummingbird
import NIOCore

/// The web dashboard on the dashboard port: `GET /` (the page) and `GET /assets/NAME` (its
/// styles, scripts and icon). They need no token (the data they show does), are answered with
/// an `ETag` and `Cache-Control: no-cache` (so a browser revalidates and gets 304 until the
/// binary changes), and the page carries a strict Content-Security-Policy.
enum WebRoutes {
    static func routes(page: WebPage) -> [DashboardRoute] {
        [
            .get("/") { request, _ in
                var response = answer(page.index, request)
                response.headers[.contentSecurityPolicy] = page.contentSecurityPolicy(host: request.head.authority)
                return response
            },
            .get("/assets/:name") { request, context in
                guard let name = context.parameters.get("name"), let file = WebAssets.files[name] else {
                    throw DashboardError.notFound("there is no dashboard asset at \(request.uri.path.prefix(100))")
                }
                return answer(file, request)
            },
        ]
    }

    /// 200 with the file, or 304 when `If-None-Match` names its tag.
    static func answer(_ file: WebAssets.File, _ request: Request) -> Response {
        var headers: HTTPFields = [.eTag: file.entityTag, .cacheControl: "no-cache"]
        if let asked = request.headers[.ifNoneMatch], matches(asked, file.entityTag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = file.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    /// Whether `If-None-Match` names `tag` (weak or strong) or is `*`.
    static func matches(_ header: String, _ tag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var value = candidate.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            while value.last == " " || value.last == "\t" { value = value.dropLast() }
            if value.hasPrefix("W/") { value = value.dropFirst(2) }
            return value == "*" || value == tag
        }
    }
}
