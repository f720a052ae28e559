/// MinAtar Space Invaders (minatar/environments/space_invaders.py): a cannon on the bottom
/// row shoots at a 4×6 block of aliens that sweeps sideways and steps down at the edges,
/// faster as fewer are left, and shoots back from the alien nearest the cannon; +1 per
/// alien hit; an alien or alien bullet reaching the cannon ends the episode. Each cleared
/// wave is replaced by one that moves a step faster, down to every 6 steps (the ramp).
/// No randomness. Channels: cannon, alien, alien moving left, alien moving right,
/// friendly bullet, enemy bullet.
struct SpaceInvadersGame: MinAtarGame {
    static let channelCount = 6
    static let minimalActionSet: [MinAtarAction] = [.noop, .left, .right, .fire]
    private enum Channel {
        static let cannon = 0, alien = 1, alienLeft = 2, alienRight = 3, friendlyBullet = 4, enemyBullet = 5
    }
    static let shotCoolDown = 5, enemyMoveInterval = 12, enemyShotInterval = 10, fastestMoveInterval = 6

    private let ramping: Bool
    private var position = 5
    private var friendlyBullets = MinAtarBoard(), enemyBullets = MinAtarBoard(), aliens = MinAtarBoard()
    private var alienDirection = -1
    private var moveInterval = enemyMoveInterval, alienMoveTimer = enemyMoveInterval
    private var alienShotTimer = enemyShotInterval, shotTimer = 0
    private var rampIndex = 0
    private var isTerminal = true

    init(difficultyRamping: Bool) { ramping = difficultyRamping }

    var difficultyRamp: Int? { rampIndex }

    mutating func reset(random: any MinAtarRandom) {
        position = 5
        friendlyBullets = MinAtarBoard()
        enemyBullets = MinAtarBoard()
        aliens = Self.wave()
        alienDirection = -1
        moveInterval = Self.enemyMoveInterval
        alienMoveTimer = moveInterval
        alienShotTimer = Self.enemyShotInterval
        rampIndex = 0
        shotTimer = 0
        isTerminal = false
    }

    private static func wave() -> MinAtarBoard {
        var aliens = MinAtarBoard()
        aliens.fill(rows: 0..<4, columns: 2..<8)
        return aliens
    }

    mutating func act(_ action: MinAtarAction, random: any MinAtarRandom) -> (reward: Int, isTerminal: Bool) {
        guard !isTerminal else { return (0, true) }
        if action == .fire && shotTimer == 0 {
            friendlyBullets[9, position] = true
            shotTimer = Self.shotCoolDown
        } else if action == .left {
            position = max(0, position - 1)
        } else if action == .right {
            position = min(9, position + 1)
        }

        // Bullets move a row; those leaving the board are dropped (np.roll, then clear the row).
        friendlyBullets.rollRows(by: -1)
        friendlyBullets.fill(rows: 9..<10, columns: 0..<10, with: false)
        enemyBullets.rollRows(by: 1)
        enemyBullets.fill(rows: 0..<1, columns: 0..<10, with: false)
        if enemyBullets[9, position] { isTerminal = true }

        if aliens[9, position] { isTerminal = true }
        if alienMoveTimer == 0 { moveAliens() }
        if alienShotTimer == 0 {
            alienShotTimer = Self.enemyShotInterval
            if let (row, column) = nearestAlien() { enemyBullets[row, column] = true }
        }

        var reward = 0
        for row in 0..<10 {
            for column in 0..<10 where aliens[row, column] && friendlyBullets[row, column] {
                reward += 1
                aliens[row, column] = false
                friendlyBullets[row, column] = false
            }
        }

        if shotTimer > 0 { shotTimer -= 1 }
        alienMoveTimer -= 1
        alienShotTimer -= 1
        if aliens.isEmpty {
            if moveInterval > Self.fastestMoveInterval && ramping {
                moveInterval -= 1
                rampIndex += 1
            }
            aliens = Self.wave()
        }
        return (reward, isTerminal)
    }

    /// Sideways, or down a row (np.roll: a bottom row would wrap to the top) with the
    /// direction reversed when an alien is at the edge it is heading for.
    private mutating func moveAliens() {
        alienMoveTimer = min(aliens.count, moveInterval)
        if (aliens.any(inColumn: 0) && alienDirection < 0) || (aliens.any(inColumn: 9) && alienDirection > 0) {
            alienDirection = -alienDirection
            if aliens.any(inRow: 9) { isTerminal = true }
            aliens.rollRows(by: 1)
        } else {
            aliens.rollColumns(by: alienDirection)
        }
        if aliens[9, position] { isTerminal = true }
    }

    /// `_nearest_alien`: the lowest alien of the nearest column holding one, the left column
    /// first at equal distance (Python's stable sort of 0...9 by distance).
    private func nearestAlien() -> (row: Int, column: Int)? {
        let searchOrder = (0..<10).sorted { (abs($0 - position), $0) < (abs($1 - position), $1) }
        for column in searchOrder {
            if let row = (0..<10).last(where: { aliens[$0, column] }) { return (row, column) }
        }
        return nil
    }

    func render(into frame: MinAtarFrame) {
        frame.set(row: 9, column: position, channel: Channel.cannon)
        frame.set(aliens, channel: Channel.alien)
        frame.set(aliens, channel: alienDirection < 0 ? Channel.alienLeft : Channel.alienRight)
        frame.set(friendlyBullets, channel: Channel.friendlyBullet)
        frame.set(enemyBullets, channel: Channel.enemyBullet)
    }
}
