import Adapters

/// Background compaction of the log's sealed segments (`LogCompactionService`).
struct CompactionConfiguration {
    var service = LogCompactionService.Configuration()
}
