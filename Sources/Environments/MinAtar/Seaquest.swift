/// MinAtar Seaquest (minatar/environments/seaquest.py): a two-cell submarine (front and
/// back, so its heading shows) moves on rows 0...8 and fires sideways; fish and enemy subs
/// (which shoot) cross rows 1...8, +1 per one shot; divers cross too, and the sub picks up
/// to 6. Oxygen runs down below the surface; surfacing with a diver aboard refills it and
/// drops one diver (with all 6 aboard, all of them, for +1 per tenth of the oxygen left) and
/// ramps the difficulty: enemies spawn, and every other ramp move, more often. The episode
/// ends when an enemy or enemy bullet meets the sub, when the oxygen runs out, or on
/// surfacing with no divers. Channels: sub front, sub back, friendly bullet, trail (the
/// cell behind each enemy and diver), enemy bullet, fish, enemy sub, oxygen gauge and diver
/// gauge (row 9), diver.
///
/// MinAtar keeps its entities in Python lists that it walks in reverse while removing from
/// them with `list.remove`, which removes the first *equal* entry, not necessarily the one
/// in hand; the loops below do the same, so that even entities that coincide in every field
/// go as they do in MinAtar.
struct SeaquestGame: MinAtarGame {
    static let channelCount = 10
    static let minimalActionSet: [MinAtarAction] = [.noop, .left, .up, .right, .down, .fire]
    private enum Channel {
        static let subFront = 0, subBack = 1, friendlyBullet = 2, trail = 3, enemyBullet = 4
        static let fish = 5, enemySub = 6, oxygenGauge = 7, diverGauge = 8, diver = 9
    }
    // MinAtar's ramp_interval and enemy_move_interval are unused in its Seaquest.
    static let maxOxygen = 200, initialSpawnSpeed = 20, diverSpawnSpeed = 30, initialMoveInterval = 5
    static let shotCoolDown = 5, enemyShotInterval = 10, diverMoveInterval = 5, maxDivers = 6

    /// A bullet, `[x, y, moves_right]`.
    private struct Bullet: Equatable {
        var x: Int
        let y: Int
        let movesRight: Bool
    }

    /// A fish or diver, `[x, y, moves_right, move_timer]`, or an enemy sub,
    /// `[x, y, moves_right, move_timer, shot_timer]` (0 and unused for the others). It
    /// moves one cell when its move timer is 0, then waits the move interval again.
    private struct Mover: Equatable {
        var x: Int
        let y: Int
        let movesRight: Bool
        var moveTimer: Int
        var shotTimer = 0
    }

    private let ramping: Bool
    private var player = (x: 5, y: 0)
    private var facesRight = false
    private var oxygen = maxOxygen
    /// Divers aboard; -1 (and lower) after surfacing with all 6, as in MinAtar.
    private var diverCount = 0
    private var friendlyBullets: [Bullet] = [], enemyBullets: [Bullet] = []
    private var fish: [Mover] = [], enemySubs: [Mover] = [], divers: [Mover] = []
    private var enemySpawnSpeed = initialSpawnSpeed, enemySpawnTimer = initialSpawnSpeed
    private var diverSpawnTimer = diverSpawnSpeed
    private var moveSpeed = initialMoveInterval
    private var rampIndex = 0
    private var shotTimer = 0
    /// At the surface since the last surfacing (MinAtar's `surface`): staying there does
    /// not surface again.
    private var surfaced = true
    private var isTerminal = true

    init(difficultyRamping: Bool) { ramping = difficultyRamping }

    var difficultyRamp: Int? { rampIndex }

    mutating func reset(random: any MinAtarRandom) {
        oxygen = Self.maxOxygen
        diverCount = 0
        player = (5, 0)
        facesRight = false
        friendlyBullets = []
        enemyBullets = []
        fish = []
        enemySubs = []
        divers = []
        enemySpawnSpeed = Self.initialSpawnSpeed
        enemySpawnTimer = enemySpawnSpeed
        diverSpawnTimer = Self.diverSpawnSpeed
        moveSpeed = Self.initialMoveInterval
        rampIndex = 0
        shotTimer = 0
        surfaced = true
        isTerminal = false
    }

    mutating func act(_ action: MinAtarAction, random: any MinAtarRandom) -> (reward: Int, isTerminal: Bool) {
        guard !isTerminal else { return (0, true) }
        var reward = 0
        if enemySpawnTimer == 0 {
            spawnEnemy(random: random)
            enemySpawnTimer = enemySpawnSpeed
        }
        if diverSpawnTimer == 0 {
            spawnDiver(random: random)
            diverSpawnTimer = Self.diverSpawnSpeed
        }

        if action == .fire && shotTimer == 0 {
            friendlyBullets.append(Bullet(x: player.x, y: player.y, movesRight: facesRight))
            shotTimer = Self.shotCoolDown
        } else if action == .left {
            player.x = max(0, player.x - 1)
            facesRight = false
        } else if action == .right {
            player.x = min(9, player.x + 1)
            facesRight = true
        } else if action == .up {
            player.y = max(0, player.y - 1)
        } else if action == .down {
            player.y = min(8, player.y + 1)
        }

        moveFriendlyBullets(reward: &reward)
        moveDivers()
        moveEnemySubs(reward: &reward)
        moveEnemyBullets()
        moveFish(reward: &reward)

        if enemySpawnTimer > 0 { enemySpawnTimer -= 1 }
        if diverSpawnTimer > 0 { diverSpawnTimer -= 1 }
        if shotTimer > 0 { shotTimer -= 1 }
        if oxygen <= 0 { isTerminal = true }
        if player.y > 0 {
            oxygen -= 1
            surfaced = false
        } else if !surfaced {
            if diverCount == 0 {
                isTerminal = true
            } else {
                reward += surface()
            }
        }
        return (reward, isTerminal)
    }

    private func isAtPlayer(x: Int, y: Int) -> Bool { x == player.x && y == player.y }

    /// Each bullet moves a cell; one leaving the board is dropped, one meeting a fish (first)
    /// or an enemy sub takes it out.
    private mutating func moveFriendlyBullets(reward: inout Int) {
        var i = friendlyBullets.count - 1
        while i >= 0 && i < friendlyBullets.count {  // `for bullet in reversed(f_bullets)`, as CPython runs it
            defer { i -= 1 }
            friendlyBullets[i].x += friendlyBullets[i].movesRight ? 1 : -1
            let bullet = friendlyBullets[i]
            if !(0...9).contains(bullet.x) {
                friendlyBullets.removeFirstEqual(to: bullet)
            } else if let hit = fish.firstIndex(where: { $0.x == bullet.x && $0.y == bullet.y }) {
                // The first fish in the cell is also the first equal to itself.
                fish.remove(at: hit)
                friendlyBullets.removeFirstEqual(to: bullet)
                reward += 1
            } else if let hit = enemySubs.firstIndex(where: { $0.x == bullet.x && $0.y == bullet.y }) {
                enemySubs.remove(at: hit)
                friendlyBullets.removeFirstEqual(to: bullet)
                reward += 1
            }
        }
    }

    /// A diver on the sub's cell, before or after its move, is picked up while there is room.
    private mutating func moveDivers() {
        var i = divers.count - 1
        while i >= 0 && i < divers.count {
            defer { i -= 1 }
            let diver = divers[i]
            if isAtPlayer(x: diver.x, y: diver.y) && diverCount < Self.maxDivers {
                divers.removeFirstEqual(to: diver)
                diverCount += 1
            } else if divers[i].moveTimer == 0 {
                divers[i].moveTimer = Self.diverMoveInterval
                divers[i].x += divers[i].movesRight ? 1 : -1
                let moved = divers[i]
                if !(0...9).contains(moved.x) {
                    divers.removeFirstEqual(to: moved)
                } else if isAtPlayer(x: moved.x, y: moved.y) && diverCount < Self.maxDivers {
                    divers.removeFirstEqual(to: moved)
                    diverCount += 1
                }
            } else {
                divers[i].moveTimer -= 1
            }
        }
    }

    /// Enemy subs move like fish and each fires every `enemyShotInterval + 1` steps from its
    /// cell, even on the step it leaves the board or is shot (MinAtar goes on with the sub
    /// it has just removed from the list).
    private mutating func moveEnemySubs(reward: inout Int) {
        var i = enemySubs.count - 1
        while i >= 0 && i < enemySubs.count {
            defer { i -= 1 }
            var sub = enemySubs[i]
            // Where `sub` is in the list (its changes are written back at the end); nil once removed.
            var index: Int? = i
            if isAtPlayer(x: sub.x, y: sub.y) { isTerminal = true }
            if sub.moveTimer == 0 {
                sub.moveTimer = moveSpeed
                sub.x += sub.movesRight ? 1 : -1
                if !(0...9).contains(sub.x) {
                    index = Self.remove(sub, at: i, from: &enemySubs)
                } else if isAtPlayer(x: sub.x, y: sub.y) {
                    isTerminal = true
                } else if let hit = friendlyBullets.firstIndex(where: { $0.x == sub.x && $0.y == sub.y }) {
                    index = Self.remove(sub, at: i, from: &enemySubs)
                    friendlyBullets.remove(at: hit)
                    reward += 1
                }
            } else {
                sub.moveTimer -= 1
            }
            if sub.shotTimer == 0 {
                sub.shotTimer = Self.enemyShotInterval
                enemyBullets.append(Bullet(x: sub.x, y: sub.y, movesRight: sub.movesRight))
            } else {
                sub.shotTimer -= 1
            }
            if let index { enemySubs[index] = sub }
        }
    }

    /// `list.remove(item)` for `item`, the changed (not yet written back) entry at `index`:
    /// Python removes the first entry equal to it, which is an earlier one if any is. Returns
    /// where the item is afterwards, nil if it was the one removed.
    private static func remove(_ item: Mover, at index: Int, from list: inout [Mover]) -> Int? {
        if let earlier = list[..<index].firstIndex(of: item) {
            list.remove(at: earlier)
            return index - 1
        }
        list.remove(at: index)
        return nil
    }

    /// Enemy bullets move every step and end the game on the sub's cell, before or after.
    private mutating func moveEnemyBullets() {
        var i = enemyBullets.count - 1
        while i >= 0 && i < enemyBullets.count {
            defer { i -= 1 }
            if isAtPlayer(x: enemyBullets[i].x, y: enemyBullets[i].y) { isTerminal = true }
            enemyBullets[i].x += enemyBullets[i].movesRight ? 1 : -1
            let bullet = enemyBullets[i]
            if !(0...9).contains(bullet.x) {
                enemyBullets.removeFirstEqual(to: bullet)
            } else if isAtPlayer(x: bullet.x, y: bullet.y) {
                isTerminal = true
            }
        }
    }

    private mutating func moveFish(reward: inout Int) {
        var i = fish.count - 1
        while i >= 0 && i < fish.count {
            defer { i -= 1 }
            if isAtPlayer(x: fish[i].x, y: fish[i].y) { isTerminal = true }
            if fish[i].moveTimer == 0 {
                fish[i].moveTimer = moveSpeed
                fish[i].x += fish[i].movesRight ? 1 : -1
                let one = fish[i]
                if !(0...9).contains(one.x) {
                    fish.removeFirstEqual(to: one)
                } else if isAtPlayer(x: one.x, y: one.y) {
                    isTerminal = true
                } else if let hit = friendlyBullets.firstIndex(where: { $0.x == one.x && $0.y == one.y }) {
                    fish.removeFirstEqual(to: one)
                    friendlyBullets.remove(at: hit)
                    reward += 1
                }
            } else {
                fish[i].moveTimer -= 1
            }
        }
    }

    /// `_surface`: refills the oxygen and drops a diver, all 6 for a reward of the oxygen
    /// left in tenths, and then one more (MinAtar's count goes to -1); ramps the difficulty.
    private mutating func surface() -> Int {
        surfaced = true
        var reward = 0
        if diverCount == Self.maxDivers {
            diverCount = 0
            reward = oxygen * 10 / Self.maxOxygen  // oxygen is never negative before a terminal step
        }
        oxygen = Self.maxOxygen
        diverCount -= 1
        if ramping && (enemySpawnSpeed > 1 || moveSpeed > 2) {
            if moveSpeed > 2 && rampIndex % 2 == 1 { moveSpeed -= 1 }
            if enemySpawnSpeed > 1 { enemySpawnSpeed -= 1 }
            rampIndex += 1
        }
        return reward
    }

    /// `_spawn_enemy`: side, kind and row are drawn even when the enemy does not spawn, which
    /// is when an enemy in that row heads the other way.
    private mutating func spawnEnemy(random: any MinAtarRandom) {
        let movesRight = random.uniform() < 1.0 / 2.0
        let isSub = random.uniform() < 1.0 / 3.0
        let y = random.integer(in: 1..<9)
        let clashes = { (enemy: Mover) in enemy.y == y && enemy.movesRight != movesRight }
        guard !enemySubs.contains(where: clashes) && !fish.contains(where: clashes) else { return }
        let x = movesRight ? 0 : 9
        if isSub {
            enemySubs.append(Mover(x: x, y: y, movesRight: movesRight, moveTimer: moveSpeed, shotTimer: Self.enemyShotInterval))
        } else {
            fish.append(Mover(x: x, y: y, movesRight: movesRight, moveTimer: moveSpeed))
        }
    }

    /// `_spawn_diver`.
    private mutating func spawnDiver(random: any MinAtarRandom) {
        let movesRight = random.uniform() < 1.0 / 2.0
        let y = random.integer(in: 1..<9)
        divers.append(Mover(x: movesRight ? 0 : 9, y: y, movesRight: movesRight, moveTimer: Self.diverMoveInterval))
    }

    func render(into frame: MinAtarFrame) {
        frame.set(row: player.y, column: player.x, channel: Channel.subFront)
        // The back is always on the board (facing right, the sub has just moved right, so
        // x >= 1; facing left, x <= 8); numpy would wrap -1 to column 9.
        let back = facesRight ? player.x - 1 : player.x + 1
        frame.set(row: player.y, column: (back + 10) % 10, channel: Channel.subBack)
        for column in 0..<(max(0, oxygen) * 10 / Self.maxOxygen) {
            frame.set(row: 9, column: column, channel: Channel.oxygenGauge)
        }
        // `state[9, 9 - diver_count:9]`: empty for a count of 0 or below.
        if diverCount > 0 {
            for column in (9 - diverCount)..<9 { frame.set(row: 9, column: column, channel: Channel.diverGauge) }
        }
        for bullet in friendlyBullets { frame.set(row: bullet.y, column: bullet.x, channel: Channel.friendlyBullet) }
        for bullet in enemyBullets { frame.set(row: bullet.y, column: bullet.x, channel: Channel.enemyBullet) }
        func draw(_ movers: [Mover], channel: Int) {
            for mover in movers {
                frame.set(row: mover.y, column: mover.x, channel: channel)
                let behind = mover.movesRight ? mover.x - 1 : mover.x + 1
                if (0...9).contains(behind) { frame.set(row: mover.y, column: behind, channel: Channel.trail) }
            }
        }
        draw(fish, channel: Channel.fish)
        draw(enemySubs, channel: Channel.enemySub)
        draw(divers, channel: Channel.diver)
    }
}

private extension Array where Element: Equatable {
    /// Python's `list.remove(value)`: removes the first element equal to `value`, which the
    /// caller knows is there.
    mutating func removeFirstEqual(to value: Element) {
        guard let index = firstIndex(of: value) else { preconditionFailure("MinAtar removes only entries in the list") }
        remove(at: index)
    }
}
