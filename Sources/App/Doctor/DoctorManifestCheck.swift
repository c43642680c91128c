import Delivery
import Domain
import Foundation

/// `content_manifest`: the content manifest loads, and its image links are well-formed https URLs
/// (Meta fetches them: a link it cannot fetch fails that message of every delivery).
enum DoctorManifestCheck {
    static let name = "content_manifest"
    static let title = "Content manifest loads and its media URLs are well formed"

    static func check(_ configuration: ServiceConfiguration) -> DoctorResult {
        let path = configuration.resolvedManifestPath
        guard FileManager.default.fileExists(atPath: path) || configuration.delivery.enabled else {
            return .skipped(name, title, "delivery is off and there is no manifest at \(path)")
        }
        let manifest: ContentManifest
        do {
            manifest = try ManifestLoader.load(path: path)
        } catch {
            return .failed(
                name, title, "\(path): \(error.description)",
                [
                    "fix the manifest (the README's content manifest section; `clickunlock demo` writes an example), "
                        + "or point manifest (--manifest) at the right file",
                    "then restart the service: it reads the manifest at start",
                ])
        }
        var bad: [String] = []
        var plain: [String] = []
        var links = 0
        for pack in manifest.packs {
            for item in pack.items {
                guard case .image(.link(let link), _) = item else { continue }
                links += 1
                switch problem(link) {
                case .none: break
                case .some(.insecure): plain.append("\(pack.name): \(link)")
                case .some(.malformed(let why)): bad.append("\(pack.name): \(link) (\(why))")
                }
            }
        }
        let summary = "\(path): \(manifest.packs.count) pack(s), \(links) image link(s)"
        let fix = "correct the links in \(path), then restart the service (it reads the manifest at start)"
        if !bad.isEmpty {
            return .failed(name, title, "\(summary); malformed: " + bad.prefix(5).joined(separator: "; "), [fix])
        }
        if !plain.isEmpty {
            return .warning(
                name, title, "\(summary); not https: " + plain.prefix(5).joined(separator: "; "),
                ["serve media over https: " + fix])
        }
        return .ok(name, title, summary)
    }

    enum LinkProblem { case insecure, malformed(String) }

    static func problem(_ link: String) -> LinkProblem? {
        guard !link.contains(where: { $0.isWhitespace }) else { return .malformed("it has a space in it") }
        guard let components = URLComponents(string: link), let scheme = components.scheme?.lowercased() else {
            return .malformed("not a URL")
        }
        guard let host = components.host, !host.isEmpty else { return .malformed("no host") }
        guard host.contains(".") || host == "localhost" || host.hasPrefix("[") else {
            return .malformed("the host \(host) is not a domain name")
        }
        if scheme == "https" { return nil }
        return scheme == "http" ? .insecure : .malformed("\(scheme) is not http(s)")
    }
}
