import Crypto

/// The web dashboard's files (`Sources/Adapters/Web`: HTML, CSS, JavaScript modules, an icon),
/// compiled into the binary (SwiftPM's `embedInCode`, like the OpenAPI document), so that a
/// release binary copied anywhere serves them with nothing beside it.
enum WebAssets {
    /// One file as served: its bytes, its `Content-Type` and an `ETag` from its content.
    struct File: Sendable {
        let bytes: [UInt8]
        let contentType: String
        let entityTag: String

        init(_ bytes: [UInt8], _ contentType: String) {
            self.bytes = bytes
            self.contentType = contentType
            entityTag = WebAssets.entityTag(bytes)
        }
    }

    static let javaScript = "text/javascript; charset=utf-8"

    /// What `/assets/NAME` serves, by NAME.
    static let files: [String: File] = [
        "style.css": File(PackageResources.style_css, "text/css; charset=utf-8"),
        "icon.svg": File(PackageResources.icon_svg, "image/svg+xml; charset=utf-8"),
        "app.js": File(PackageResources.app_js, javaScript),
        "api.js": File(PackageResources.api_js, javaScript),
        "feed.js": File(PackageResources.feed_js, javaScript),
        "dom.js": File(PackageResources.dom_js, javaScript),
        "format.js": File(PackageResources.format_js, javaScript),
        "meta-errors.js": File(PackageResources.meta_errors_js, javaScript),
        "health.js": File(PackageResources.health_js, javaScript),
        "alerts.js": File(PackageResources.alerts_js, javaScript),
        "overview.js": File(PackageResources.overview_js, javaScript),
        "chart.js": File(PackageResources.chart_js, javaScript),
        "events.js": File(PackageResources.events_js, javaScript),
        "deliveries.js": File(PackageResources.deliveries_js, javaScript),
        "conversations.js": File(PackageResources.conversations_js, javaScript),
    ]

    /// `index.html` as written, with `{{open}}` and `{{zone}}` still in it (`WebPage` fills them).
    static var indexTemplate: [UInt8] { PackageResources.index_html }

    /// A strong tag from the content: the same bytes, the same tag, across restarts and builds.
    static func entityTag(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        return "\"" + digest.prefix(16).map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined() + "\""
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
