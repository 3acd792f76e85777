import FindColor
import Foundation
import HTTPTypes
import Hummingbird

/// The hints of a project: list, add one, change one (move, recolour, resize), delete one, and
/// replace them all (what the UI's undo/redo sends). Every change answers the new state hash in
/// the `X-State-Hash` header.
enum HintRoutes {
    static func register(on router: AppRouter, services: ServerServices) {
        let store = services.store

        router.get("/api/projects/{id}/hints") { _, context in
            let snapshot = try await store.snapshot(try ServerServices.projectId(context))
            return try Responses.json(HintListDTO(hints: snapshot.hints.map(HintDTO.init)), headers: HintRoutes.stateHeaders(snapshot))
        }

        router.post("/api/projects/{id}/hints") { request, context in
            let id = try ServerServices.projectId(context)
            let body = try await RequestReading.jsonObject(request)
            let project = try await store.snapshot(id).project
            let hint = try HintInput.parseOne(body.members, width: project.width, height: project.height)
            let (record, snapshot) = try await store.addHint(id, hint)
            var headers = HintRoutes.stateHeaders(snapshot)
            headers[.location] = "/api/projects/\(id)/hints/\(record.id)"
            return try Responses.json(HintDTO(record), status: .created, headers: headers)
        }

        router.put("/api/projects/{id}/hints") { request, context in
            let id = try ServerServices.projectId(context)
            let data = try await RequestReading.jsonData(request)
            let project = try await store.snapshot(id).project
            let hints = try HintInput.parseList(data, width: project.width, height: project.height)
            let snapshot = try await store.replaceHints(id, hints)
            return try Responses.json(HintListDTO(hints: snapshot.hints.map(HintDTO.init)), headers: HintRoutes.stateHeaders(snapshot))
        }

        router.patch("/api/projects/{id}/hints/{hintId}") { request, context in
            let id = try ServerServices.projectId(context)
            let hintId = try ServerServices.hintId(context)
            let body = try await RequestReading.jsonObject(request)
            guard !body.members.isEmpty else {
                throw APIError.badRequest("nothing to change: give x, y, size, ab or color")
            }
            let project = try await store.snapshot(id).project
            let (width, height) = (project.width, project.height)
            let changes = UncheckedSendable(body.members)
            let (record, snapshot) = try await store.updateHint(id, hintId) { old in
                try HintInput.merge(changes.value, into: old, width: width, height: height)
            }
            return try Responses.json(HintDTO(record), headers: HintRoutes.stateHeaders(snapshot))
        }

        router.delete("/api/projects/{id}/hints/{hintId}") { _, context in
            let id = try ServerServices.projectId(context)
            let snapshot = try await store.deleteHint(id, try ServerServices.hintId(context))
            var response = Responses.noContent()
            response.headers.append(contentsOf: HintRoutes.stateHeaders(snapshot))
            return response
        }
    }

    static func stateHeaders(_ snapshot: ProjectSnapshot) -> HTTPFields {
        var headers = HTTPFields()
        headers[Responses.stateHashHeader] = snapshot.stateHash
        return headers
    }
}

/// Carries a value of a non-Sendable type (here a parsed JSON dictionary, which is immutable once
/// parsed) into a `@Sendable` closure.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
