import GRDB
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Projections

/// How the data routes answer: JSON through the freshness envelope, `ETag` and 304, and the
/// answer cache; CSV streamed page by page.
struct DataAnswers: Sendable {
    let reader: ProjectionReader
    let cache: AnswerCache
    let logger: Logger

    /// Data that carries an `ETag`: the client keeps it and asks again with `If-None-Match`.
    static let revalidate = "private, no-cache"

    /// A JSON answer to what `representation` names (path, normalized query, and anything else
    /// the answer depends on, such as the current minute): 304 when `If-None-Match` names the tag
    /// of the position the projector has committed (no read transaction, no query); the cached body
    /// at that position; else `body` in one read transaction (encoded there), kept for the next ask.
    func json<Body: Encodable & Sendable>(
        _ request: Request, representation: String, cacheable: Bool = true,
        _ body: @escaping @Sendable (Database) throws -> Body
    ) async throws -> Response {
        try await json(
            request, representation: representation, cacheable: cacheable,
            encoded: { db in
                try JSONAnswer.encode(body(db))
            })
    }

    /// The same, for a body `encoded` writes itself (a JSON object's bytes).
    func json(
        _ request: Request, representation: String, cacheable: Bool = true,
        encoded: @escaping @Sendable (Database) throws -> [UInt8]
    ) async throws -> Response {
        let committed = reader.committedPosition
        if EntityTag(position: committed, representation: representation).isMatched(by: request.headers[.ifNoneMatch]) {
            return Response(status: .notModified, headers: headers(position: committed, representation))
        }
        if cacheable, let cached = cache.body(representation, at: committed) {
            return answer(cached, position: committed, representation)
        }
        let (position, body) = try await reader.read { db in try encoded(db) }
        if cacheable { cache.store(body, representation, at: position) }
        return answer(body, position: position, representation)
    }

    private func answer(_ body: [UInt8], position: UInt64, _ representation: String) -> Response {
        JSONAnswer.response(
            reader.envelope(at: position).wrap(body), headers: headers(position: position, representation))
    }

    private func headers(position: UInt64, _ representation: String) -> HTTPFields {
        [
            .eTag: EntityTag(position: position, representation: representation).value,
            .projectionPosition: String(position), .cacheControl: Self.revalidate,
        ]
    }

    /// One page of a list as CSV rows, and the cursor of the next page (`nil`: the last one).
    typealias CSVPage = (rows: [[String?]], next: String?)

    /// A list as CSV (RFC 4180, the projections' `CSV`), streamed: the first page is read before answering (a bad
    /// cursor is still a 400), the others while the body is written, each page in its own read
    /// transaction, following the list's keyset cursors. At most `limit` rows when given.
    func csv(
        name: String, header: [String], cursor: String?, limit: Int?, pageSize: Int,
        _ page: @escaping @Sendable (Database, _ cursor: String?, _ size: Int) throws -> CSVPage
    ) async throws -> Response {
        let firstSize = min(pageSize, limit ?? pageSize)
        let (position, first) = try await reader.read { db in try page(db, cursor, firstSize) }
        let reader = reader
        let logger = logger
        let headers: HTTPFields = [
            .contentType: "text/csv; charset=utf-8", .projectionPosition: String(position),
            .contentDisposition: "attachment; filename=\"clickunlock-\(name)-\(position).csv\"",
            .cacheControl: "no-store",
        ]
        let body = ResponseBody { writer in
            var buffer = ByteBuffer(string: CSV.line(header))
            var written = 0
            var current = first
            while true {
                for row in current.rows { buffer.writeString(CSV.line(row)) }
                written += current.rows.count
                try await writer.write(buffer)
                buffer.clear()
                let remaining = limit.map { $0 - written } ?? pageSize
                guard let next = current.next, remaining > 0, !current.rows.isEmpty else { break }
                do {
                    current = try await reader.read { db in try page(db, next, min(pageSize, remaining)) }.value
                } catch {
                    // The status is sent: end the body abruptly, so the client sees it cut short.
                    logger.error("dashboard API: CSV export \(name) stopped: \(DashboardFrame.describe(error))")
                    throw error
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
