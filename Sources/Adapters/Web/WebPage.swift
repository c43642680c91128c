import Foundation

/// The dashboard's page as this server serves it: `index.html` with the server's facts the page
/// needs before it may call the API (whether the API is open, the reporting time zone), and the
/// page's Content-Security-Policy.
struct WebPage: Sendable {
    let index: WebAssets.File
    /// The dedicated feed port (`--ws-port`), allowed as a WebSocket target besides this origin.
    let feedPort: Int?

    init(open: Bool, reportingTimeZone: String, feedPort: Int? = nil) {
        var html = String(decoding: WebAssets.indexTemplate, as: UTF8.self)
        html = html.replacingOccurrences(of: "{{open}}", with: open ? "true" : "false")
        html = html.replacingOccurrences(of: "{{zone}}", with: Self.escaped(reportingTimeZone))
        index = WebAssets.File(Array(html.utf8), "text/html; charset=utf-8")
        self.feedPort = feedPort
    }

    /// Only this origin's scripts, styles, images and connections (fetch and the live feed's
    /// WebSocket, on this port and on the feed port), no inline code, no framing, no forms
    /// posted anywhere, no `<base>`.
    func contentSecurityPolicy(host: String?) -> String {
        var connect = ["'self'"]
        if let host = host.flatMap(Self.validHost) {
            connect += ["ws://\(host)", "wss://\(host)"]
            if let feedPort, let name = Self.hostName(host) {
                connect += ["ws://\(name):\(feedPort)", "wss://\(name):\(feedPort)"]
            }
        }
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src \(connect.joined(separator: " ")); base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'"
    }

    /// The request's `Host` when it is a plain `name[:port]` (or `[v6][:port]`) that may go into a
    /// header as it is; anything else is left out of the policy (the page then has `'self'`).
    static func validHost(_ host: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")
        guard !host.isEmpty, host.count <= 260, host.allSatisfy({ allowed.contains($0) }) else { return nil }
        return host
    }

    /// `name` of `name:port`, `[v6]` of `[v6]:port`.
    static func hostName(_ host: String) -> String? {
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            return String(host[...close])
        }
        return String(host.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0])
    }

    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
