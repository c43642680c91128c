import Dispatch
public import GRDB

/// Opens the projections' SQLite file: WAL mode, `synchronous=NORMAL` (set explicitly: Debian's
/// build defaults to FULL), one writer, a pool of readers that never block it.
public enum ProjectionDatabase {
    /// The live database: a pool (WAL), for the projector and the read adapters.
    ///
    /// Its writes (the projector's) run at utility priority: under load, acknowledging webhooks
    /// comes first, and a projector that falls behind catches up in larger, cheaper batches.
    public static func openPool(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.writeTargetQueue = DispatchQueue(label: "clickunlock.projections.writer", qos: .utility)
        // Other processes read this file (`rebuild --check`, tools); while SQLite recovers a WAL
        // after a crash, they and we must wait for each other rather than fail at once.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Room for a whole transaction's pages: a smaller cache spills dirty pages to the WAL
            // in the middle of a transaction and reads them back (the projector's long ones).
            try db.execute(sql: "PRAGMA cache_size = -65536")  // 64 MiB, taken as pages are used
        }
        configuration.label = "projections"
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.write { try ProjectionState.createTable($0) }
        return pool
    }

    /// The dashboard API's readers: a read-only pool over the live file (which the projector
    /// keeps in WAL mode), so that each answer reads one snapshot while the projector writes.
    /// Nothing read through it can change the file.
    public static func openReadOnlyPool(path: String, maximumReaders: Int = 4) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = maximumReaders
        configuration.label = "projections-read"
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// A fresh file for a rebuild: no journal and no syncs while it is built (it is thrown away
    /// if the rebuild does not finish); switched to WAL before it is swapped in.
    public static func openScratch(path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -131072")  // 128 MiB: the working set of a rebuild
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.write { try ProjectionState.createTable($0) }
        return queue
    }

    /// A read-only connection to the live database, for tools beside the service.
    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Makes a scratch database ready to serve: WAL mode, synced.
    public static func seal(_ queue: DatabaseQueue) throws {
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }
}
