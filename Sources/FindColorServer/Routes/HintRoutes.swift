import FindColor
import Foundation
import HTTPTypes
import Hummingbird

/// The hints of a project: list, add one, change one (move, recolour, resize), delete one, and
/// replace them all (what the UI's undo/redo sends). Every change answers the new state hash in
/// the `X-State-Hash` header.
enum HintRoutes {
    static func register(on project: ProjectRouterGroup, services: ServerServices) {
        let store = services.store

        project.get("hints") { _, context in
            let snapshot = try context.loadedProject()
            return try Responses.json(HintListDTO(hints: snapshot.hints.map(HintDTO.init)), headers: HintRoutes.stateHeaders(snapshot))
        }

        project.post("hints") { request, context in
            let project = try context.loadedProject().project
            let id = project.id
            let body = try await RequestReading.jsonData(request)
            let hint = try HintParser.parseOne(body).hint  // an id in the body is ignored: the store names hints
            try HintParser.validate([hint], imageWidth: project.width, imageHeight: project.height)
            let (record, snapshot) = try await store.addHint(id, hint)
            var headers = HintRoutes.stateHeaders(snapshot)
            headers[.location] = "/api/projects/\(id)/hints/\(record.id)"
            return try Responses.json(HintDTO(record), status: .created, headers: headers)
        }

        project.put("hints") { request, context in
            let project = try context.loadedProject().project
            let id = project.id
            let data = try await RequestReading.jsonData(request)
            let entries = try HintParser.parseList(data)
            try HintParser.validate(entries.map(\.hint), imageWidth: project.width, imageHeight: project.height)
            let snapshot = try await store.replaceHints(id, entries.map { (id: $0.id, hint: $0.hint) })
            return try Responses.json(HintListDTO(hints: snapshot.hints.map(HintDTO.init)), headers: HintRoutes.stateHeaders(snapshot))
        }

        project.patch("hints/{hintId}") { request, context in
            let project = try context.loadedProject().project
            let id = project.id
            let hintId = try ServerServices.hintId(context)
            let body = try await RequestReading.jsonData(request)
            let (width, height) = (project.width, project.height)
            let (record, snapshot) = try await store.updateHint(id, hintId) { old in
                let hint = try HintParser.merge(body, into: old)
                try HintParser.validate([hint], imageWidth: width, imageHeight: height)
                return hint
            }
            return try Responses.json(HintDTO(record), headers: HintRoutes.stateHeaders(snapshot))
        }

        project.delete("hints/{hintId}") { _, context in
            let id = try context.loadedProject().project.id
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
