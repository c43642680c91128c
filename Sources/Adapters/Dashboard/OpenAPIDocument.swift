/// The dashboard API's contract: `openapi.json` beside this file (OpenAPI 3.1), compiled into the
/// binary (SwiftPM's `embedInCode`), served as it is at `GET /openapi.json`. Every answer of the
/// dashboard port is checked against it by the black-box suite in `Tests/api`.
public enum OpenAPIDocument {
    /// The document's bytes (UTF-8 JSON).
    public static var json: [UInt8] { PackageResources.openapi_json }
}
