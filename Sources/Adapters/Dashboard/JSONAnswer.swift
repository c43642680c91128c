import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON answers of the dashboard port: UTF-8, snake_case keys as the routes' types name them,
/// times as the contract writes them (the route types carry them as strings).
enum JSONAnswer {
    static let contentType = "application/json; charset=utf-8"

    /// Encodes a route's body (a JSON object).
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// A 200 with a JSON body and `headers`.
    static func response(_ body: ByteBuffer, headers: HTTPFields = [:], status: HTTPResponse.Status = .ok) -> Response {
        var headers = headers
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// A small fixed JSON body (`{"status":"ok"}`).
    static func response(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        response(ByteBuffer(string: text), status: status)
    }
}
