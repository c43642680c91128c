import Foundation

/// The one rule for the Graph API base URL: the access token travels in every request, so it
/// must be `https://`, except to a loopback address (the simulator, a local test proxy).
public enum GraphBaseURL {
    /// Why `text` cannot be the Graph base URL, or `nil` when it can.
    public static func problem(_ text: String) -> String? {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            let host = url.host, !host.isEmpty
        else {
            return "the Graph base URL is not an absolute URL (e.g. https://graph.facebook.com)"
        }
        guard url.user == nil, url.password == nil, url.query == nil, url.fragment == nil else {
            return "the Graph base URL must not carry a user, a password, a query or a fragment"
        }
        switch scheme {
        case "https":
            return nil
        case "http" where isLoopback(host):
            return nil
        case "http":
            return "the Graph base URL must use https (the access token goes with every request); "
                + "plain http is allowed only to a loopback address such as 127.0.0.1"
        default:
            return "the Graph base URL must start with https://"
        }
    }

    /// `localhost`, 127.0.0.0/8 or ::1.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }
}
