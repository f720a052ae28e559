/// MinAtar Asterix (minatar/environments/asterix.py): the player moves in four directions
/// on rows 1...8; enemies and gold enter from the sides, one per row; +1 per gold picked
/// up; touching an enemy ends the episode. Difficulty ramps every 100 steps: entities
/// spawn, and every other ramp move, more often. Channels: player, enemy, trail, gold.
struct AsterixGame: MinAtarGame {
    static let channelCount = 4
    static let minimalActionSet: [MinAtarAction] = [.noop, .left, .up, .right, .down]
    private enum Channel { static let player = 0, enemy = 1, trail = 2, gold = 3 }
    static let rampInterval = 100, initialSpawnSpeed = 10, initialMoveInterval = 5

    /// An enemy or a piece of gold; entity `i` lives on row `i + 1`.
    private struct Entity {
        var x: Int, y: Int, movesRight: Bool, isGold: Bool
    }

    private let ramping: Bool
    private var player = (x: 5, y: 5)
    private var entities = [Entity?](repeating: nil, count: 8)
    private var spawnSpeed = initialSpawnSpeed, spawnTimer = initialSpawnSpeed
    private var moveSpeed = initialMoveInterval, moveTimer = initialMoveInterval
    private var rampTimer = rampInterval, rampIndex = 0
    private var isTerminal = true

    init(difficultyRamping: Bool) { ramping = difficultyRamping }

    var difficultyRamp: Int? { rampIndex }

    mutating func reset(random: any MinAtarRandom) {
        player = (5, 5)
        entities = [Entity?](repeating: nil, count: 8)
        (spawnSpeed, spawnTimer) = (Self.initialSpawnSpeed, Self.initialSpawnSpeed)
        (moveSpeed, moveTimer) = (Self.initialMoveInterval, Self.initialMoveInterval)
        (rampTimer, rampIndex) = (Self.rampInterval, 0)
        isTerminal = false
    }

    mutating func act(_ action: MinAtarAction, random: any MinAtarRandom) -> (reward: Int, isTerminal: Bool) {
        guard !isTerminal else { return (0, true) }
        var reward = 0
        if spawnTimer == 0 {
            spawnEntity(random: random)
            spawnTimer = spawnSpeed
        }
        switch action {
        case .left: player.x = max(0, player.x - 1)
        case .right: player.x = min(9, player.x + 1)
        case .up: player.y = max(1, player.y - 1)
        case .down: player.y = min(8, player.y + 1)
        case .noop, .fire: break
        }

        for i in entities.indices { collide(i, reward: &reward) }
        if moveTimer == 0 {
            moveTimer = moveSpeed
            for i in entities.indices {
                guard var entity = entities[i] else { continue }
                entity.x += entity.movesRight ? 1 : -1
                entities[i] = (0...9).contains(entity.x) ? entity : nil
                collide(i, reward: &reward)
            }
        }
        spawnTimer -= 1
        moveTimer -= 1
        rampDifficulty()
        return (reward, isTerminal)
    }

    /// Gold on the player's cell is picked up; an enemy there ends the game.
    private mutating func collide(_ i: Int, reward: inout Int) {
        guard let entity = entities[i], entity.x == player.x, entity.y == player.y else { return }
        if entity.isGold {
            entities[i] = nil
            reward += 1
        } else {
            isTerminal = true
        }
    }

    /// `_spawn_entity`: side and kind are drawn even when every row is taken.
    private mutating func spawnEntity(random: any MinAtarRandom) {
        let movesRight = random.uniform() < 1.0 / 2.0
        let isGold = random.uniform() < 1.0 / 3.0
        let free = entities.indices.filter { entities[$0] == nil }
        guard !free.isEmpty else { return }
        let slot = free[random.integer(below: free.count)]
        entities[slot] = Entity(x: movesRight ? 0 : 9, y: slot + 1, movesRight: movesRight, isGold: isGold)
    }

    /// One ramp each `rampInterval + 2` steps until entities spawn and move every step.
    private mutating func rampDifficulty() {
        guard ramping, spawnSpeed > 1 || moveSpeed > 1 else { return }
        if rampTimer >= 0 {
            rampTimer -= 1
            return
        }
        if moveSpeed > 1 && rampIndex % 2 == 1 { moveSpeed -= 1 }
        if spawnSpeed > 1 { spawnSpeed -= 1 }
        rampIndex += 1
        rampTimer = Self.rampInterval
    }

    func render(into frame: MinAtarFrame) {
        frame.set(row: player.y, column: player.x, channel: Channel.player)
        for case let entity? in entities {
            frame.set(row: entity.y, column: entity.x, channel: entity.isGold ? Channel.gold : Channel.enemy)
            let behind = entity.movesRight ? entity.x - 1 : entity.x + 1
            if (0...9).contains(behind) { frame.set(row: entity.y, column: behind, channel: Channel.trail) }
        }
    }
}
