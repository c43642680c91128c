import Domain
import EventStore

extension ConversationsProjection {
    final class Fold: ProjectionFold {
        let contacts: RowTable<String, Contact>
        let messages: RowTable<String, Message>
        /// The contact of each delivery.
        let deliveries: RowTable<String, String>

        init(_ store: RowStore) {
            contacts = store.table(ConversationsProjection.contacts)
            messages = store.table(ConversationsProjection.messages)
            deliveries = store.table(ConversationsProjection.deliveries)
        }

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
                    sent.wamid, deliveries[sent.deliveryId] ?? "unknown", "content",
                    "step \(sent.step + 1) of delivery \(sent.deliveryId)", event)
            case .statusUpdated(let status):
                self.status(status, event)
            case .deliveryStarted(let started):
                deliveries[started.deliveryId] = started.contact
                touch(started.contact, event.timestamp)
                contacts.update(started.contact, default: Contact(firstSeen: event.timestamp)) { row in
                    row.latestDeliveryId = started.deliveryId
                    row.latestDeliveryState = "started"
                }
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

        /// A message from the contact; the same message again is counted once.
        private func inbound(
            _ wamid: String, _ sender: Sender, _ type: String, _ preview: String?, _ sentAt: Int64,
            _ event: RecordedEvent
        ) {
            guard messages[wamid] == nil else { return }
            let contact = sender.contactKey
            messages[wamid] = Message(contact: contact, direction: "in", type: type, preview: preview, event)
            let at = sentAt
            let until = at + ConversationsProjection.windowMilliseconds
            guard var row = contacts[contact] else {
                var row = Contact(firstSeen: event.timestamp)
                (row.userId, row.profileName) = (sender.userId, sender.profileName)
                (row.lastInboundType, row.lastInboundPreview, row.lastInboundAt) = (type, preview, at)
                (row.inboundCount, row.windowOpenUntil) = (1, until)
                contacts[contact] = row
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

        /// A message to the contact. A status webhook can beat the send's response: then the row
        /// exists, without a type.
        private func outbound(
            _ wamid: String, _ contact: String, _ type: String, _ preview: String, _ event: RecordedEvent
        ) {
            if var message = messages[wamid] {
                if message.type == nil {
                    message.type = type
                    message.preview = preview
                    messages[wamid] = message
                }
                return
            }
            messages[wamid] = Message(contact: contact, direction: "out", type: type, preview: preview, event)
            countOutbound(contact, event.timestamp)
        }

        /// Moves a message's status up (`failed` is terminal); a status for an unseen message
        /// makes it, as outbound.
        private func status(_ status: StatusUpdated, _ event: RecordedEvent) {
            var message: Message
            if let known = messages[status.wamid] {
                message = known
            } else {
                message = Message(contact: status.recipientId, direction: "out", type: nil, preview: nil, event)
                messages[status.wamid] = message
                countOutbound(status.recipientId, event.timestamp)
            }
            let rank = Int64(MessageStatus.rank(status.status))
            guard message.statusRank < rank, message.statusRank < MessageStatus.failed else { return }
            let at = status.seenAtMilliseconds ?? event.timestamp
            message.status = status.status
            message.statusRank = rank
            if (2...3).contains(rank) { message.deliveredAt = message.deliveredAt ?? at }
            if rank == 3 { message.readAt = message.readAt ?? at }
            message.errorCode = status.errors.first.map { Int64($0.code) } ?? message.errorCode
            messages[status.wamid] = message
        }

        private func countOutbound(_ contact: String, _ time: Int64) {
            touch(contact, time)
            contacts.update(contact, default: Contact(firstSeen: time)) { $0.outboundCount += 1 }
        }

        private func touch(_ contact: String, _ time: Int64) {
            contacts.update(contact, default: Contact(firstSeen: time)) { $0.lastSeen = max($0.lastSeen, time) }
        }

        private func deliveryState(_ deliveryId: String, _ state: String) {
            guard let contact = deliveries[deliveryId], var row = contacts[contact], row.latestDeliveryId == deliveryId
            else { return }
            row.latestDeliveryState = state
            contacts[contact] = row
        }
    }
}
