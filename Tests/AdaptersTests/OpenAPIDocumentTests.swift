import Adapters
import Foundation
import Testing

/// The compiled-in contract is the file beside the sources, and it is an OpenAPI 3.1 document.
@Suite struct OpenAPIDocumentTests {
    @Test func theEmbeddedDocumentIsOpenAPI31JSON() throws {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json))
        let document = try #require(object as? [String: Any])
        let version = try #require(document["openapi"] as? String)
        #expect(version.hasPrefix("3.1."), "openapi is \(version)")
        let paths = try #require(document["paths"] as? [String: Any])
        for path in [
            "/api/webhook/metrics", "/api/webhook/conversations", "/api/webhook/conversations/{contact}",
            "/api/webhook/deliveries", "/api/webhook/deliveries/{id}", "/api/webhook/events/recent",
            "/api/webhook/stats/realtime", "/api/webhook/templates", "/api/webhook/health", "/api/templates/send",
            "/metrics", "/healthz", "/readyz", "/openapi.json",
        ] {
            #expect(paths[path] != nil, "\(path) is not in the document")
        }
    }

    @Test func theEmbeddedDocumentIsTheFileInTheSources() throws {
        let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Adapters/Dashboard/openapi.json")
        #expect(try Data(contentsOf: file) == Data(OpenAPIDocument.json))
    }
}
