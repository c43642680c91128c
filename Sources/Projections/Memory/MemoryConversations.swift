import Domain
import EventStore
import GRDB

/// `conversations` in memory: the same contact upserts and message status steps as
/// `ConversationsProjection`'s statements.
final class MemoryConversations: MemoryRebuild {
    private struct Contact {
        var userId: String? = nil, profileName: String? = nil, firstSeen: Int64, lastSeen: Int64
        var lastInboundType: String? = nil, lastInboundPreview: String? = nil, lastInboundAt: Int64? = nil
        var inboundCount = 0, outboundCount = 0, windowOpenUntil: Int64? = nil
        var latestDeliveryId: String? = nil, latestDeliveryState: String? = nil
    }

    private struct Message {
        var contact: String, direction: String, type: String? = nil, preview: String? = nil, position: UInt64, time: Int64
        var status: String? = nil, statusRank = 0, deliveredAt: Int64? = nil, readAt: Int64? = nil, errorCode: Int? = nil
    }

    private var contacts: [String: Contact] = [:]
    private var messages: [String: Message] = [:]
    private var deliveries: [String: String] = [:]

    func apply(_ event: RecordedEvent, _ fact: DomainFact) -> Bool {
        switch fact {
        case .messageReceived(let message):
            inbound(
                message.wamid, message.sender, message.messageType, message.textPreview,
                message.sentAtMilliseconds ?? event.timestamp, event)
        case .buttonClicked(let click):
            inbound(
                click.wamid, click.sender, "button", click.text ?? click.payload,
                click.tappedAtMilliseconds ?? event.timestamp, event)
        case .templateSent(let sent):
            outbound(sent.wamid, sent.recipient, "template", sent.template, event)
        case .deliveryStepSent(let sent):
            outbound(
                sent.wamid, deliveries[sent.deliveryId] ?? "unknown", "content", "step \(sent.step + 1) of delivery \(sent.deliveryId)",
                event)
        case .statusUpdated(let status):
            if messages[status.wamid] == nil {
                messages[status.wamid] = Message(
                    contact: status.recipientId, direction: "out", position: event.position, time: event.timestamp)
                countOutbound(status.recipientId, event.timestamp)
            }
            let rank = MessageStatus.rank(status.status)
            if var message = messages[status.wamid], message.statusRank < rank, message.statusRank < MessageStatus.failed {
                let at = status.seenAtMilliseconds ?? event.timestamp
                message.status = status.status
                message.statusRank = rank
                if (2...3).contains(rank) { message.deliveredAt = message.deliveredAt ?? at }
                if rank == 3 { message.readAt = message.readAt ?? at }
                message.errorCode = status.errors.first?.code ?? message.errorCode
                messages[status.wamid] = message
            }
        case .deliveryStarted(let started):
            deliveries[started.deliveryId] = started.contact
            touch(started.contact, event.timestamp)
            contacts[started.contact]?.latestDeliveryId = started.deliveryId
            contacts[started.contact]?.latestDeliveryState = "started"
        case .deliveryCompleted(let completed):
            deliveryState(completed.deliveryId, "completed")
        case .deliveryFailed(let failed):
            deliveryState(failed.deliveryId, "failed")
        case .unknownType, .undecodable:
            return false
        default:
            break
        }
        return true
    }

    private func inbound(_ wamid: String, _ sender: Sender, _ type: String, _ preview: String?, _ sentAt: Int64, _ event: RecordedEvent) {
        guard messages[wamid] == nil else { return }
        let contact = sender.contactKey
        messages[wamid] = Message(contact: contact, direction: "in", type: type, preview: preview, position: event.position, time: event.timestamp)
        let at = sentAt
        let until = at + ConversationsProjection.windowMilliseconds
        guard var row = contacts[contact] else {
            contacts[contact] = Contact(
                userId: sender.userId, profileName: sender.profileName, firstSeen: event.timestamp, lastSeen: event.timestamp,
                lastInboundType: type, lastInboundPreview: preview, lastInboundAt: at, inboundCount: 1, windowOpenUntil: until)
            return
        }
        row.userId = sender.userId ?? row.userId
        row.profileName = sender.profileName ?? row.profileName
        row.lastSeen = max(row.lastSeen, event.timestamp)
        if at >= (row.lastInboundAt ?? 0) {
            row.lastInboundType = type
            row.lastInboundPreview = preview
        }
        row.lastInboundAt = max(row.lastInboundAt ?? 0, at)
        row.inboundCount += 1
        row.windowOpenUntil = max(row.windowOpenUntil ?? 0, until)
        contacts[contact] = row
    }

    private func outbound(_ wamid: String, _ contact: String, _ type: String, _ preview: String, _ event: RecordedEvent) {
        if var message = messages[wamid] {
            if message.type == nil {
                message.type = type
                message.preview = preview
                messages[wamid] = message
            }
            return
        }
        messages[wamid] = Message(contact: contact, direction: "out", type: type, preview: preview, position: event.position, time: event.timestamp)
        countOutbound(contact, event.timestamp)
    }

    private func countOutbound(_ contact: String, _ time: Int64) {
        touch(contact, time)
        contacts[contact]?.outboundCount += 1
    }

    private func touch(_ contact: String, _ time: Int64) {
        if var row = contacts[contact] {
            row.lastSeen = max(row.lastSeen, time)
            contacts[contact] = row
        } else {
            contacts[contact] = Contact(firstSeen: time, lastSeen: time)
        }
    }

    private func deliveryState(_ deliveryId: String, _ state: String) {
        guard let contact = deliveries[deliveryId], contacts[contact]?.latestDeliveryId == deliveryId else { return }
        contacts[contact]?.latestDeliveryState = state
    }

    func write(_ db: Database, last: RecordedEvent) throws {
        let contactRows = try RowWriter(
            db, "conversations",
            [
                "contact", "user_id", "profile_name", "first_seen", "last_seen", "last_inbound_type", "last_inbound_preview",
                "last_inbound_at", "inbound_count", "outbound_count", "window_open_until", "latest_delivery_id",
                "latest_delivery_state",
            ])
        for (key, c) in contacts.sorted(by: { $0.key < $1.key }) {
            contactRows.text(key)
            contactRows.text(c.userId)
            contactRows.text(c.profileName)
            contactRows.int(c.firstSeen)
            contactRows.int(c.lastSeen)
            contactRows.text(c.lastInboundType)
            contactRows.text(c.lastInboundPreview)
            contactRows.int(c.lastInboundAt)
            contactRows.int(c.inboundCount)
            contactRows.int(c.outboundCount)
            contactRows.int(c.windowOpenUntil)
            contactRows.text(c.latestDeliveryId)
            contactRows.text(c.latestDeliveryState)
            try contactRows.end()
        }
        let messageRows = try RowWriter(
            db, "conversation_messages",
            [
                "wamid", "contact", "direction", "type", "preview", "position", "time", "status", "status_rank", "delivered_at",
                "read_at", "error_code",
            ])
        for (key, m) in messages.sorted(by: { $0.key < $1.key }) {
            messageRows.text(key)
            messageRows.text(m.contact)
            messageRows.text(m.direction)
            messageRows.text(m.type)
            messageRows.text(m.preview)
            messageRows.int(Int64(m.position))
            messageRows.int(m.time)
            messageRows.text(m.status)
            messageRows.int(m.statusRank)
            messageRows.int(m.deliveredAt)
            messageRows.int(m.readAt)
            messageRows.int(m.errorCode)
            try messageRows.end()
        }
        let deliveryRows = try RowWriter(db, "conversation_deliveries", ["delivery_id", "contact"])
        for (id, contact) in deliveries.sorted(by: { $0.key < $1.key }) {
            deliveryRows.text(id)
            deliveryRows.text(contact)
            try deliveryRows.end()
        }
    }
}
