/// MinAtar Breakout (minatar/environments/breakout.py): a paddle on the bottom row bounces
/// a diagonally moving ball into three rows of bricks, +1 per brick; the rows come back
/// when all are gone; the episode ends when the ball reaches the bottom past the paddle.
/// No difficulty ramp. Channels: paddle, ball, trail (the ball's last cell), brick.
struct BreakoutGame: MinAtarGame {
    static let channelCount = 4
    static let minimalActionSet: [MinAtarAction] = [.noop, .left, .right]
    private enum Channel { static let paddle = 0, ball = 1, trail = 2, brick = 3 }

    /// Directions 0...3: up-left, up-right, down-right, down-left.
    private static let step = [(x: -1, y: -1), (x: 1, y: -1), (x: 1, y: 1), (x: -1, y: 1)]
    private static let reflectX = [1, 0, 3, 2], reflectY = [3, 2, 1, 0], reflectPaddleEdge = [2, 3, 0, 1]

    private var ball = (x: 0, y: 3), last = (x: 0, y: 3), direction = 2
    private var paddle = 4
    private var bricks = MinAtarBoard()
    /// The ball broke a brick last step: it passes through the next one it meets.
    private var strike = false
    private var isTerminal = true

    init(difficultyRamping: Bool) {}

    var difficultyRamp: Int? { nil }

    mutating func reset(random: any MinAtarRandom) {
        // Starts at the left moving down-right, or at the right moving down-left.
        (ball.x, direction) = random.integer(below: 2) == 0 ? (0, 2) : (9, 3)
        ball.y = 3
        paddle = 4
        bricks = MinAtarBoard()
        bricks.fill(rows: 1..<4, columns: 0..<10)
        strike = false
        last = ball
        isTerminal = false
    }

    mutating func act(_ action: MinAtarAction, random: any MinAtarRandom) -> (reward: Int, isTerminal: Bool) {
        guard !isTerminal else { return (0, true) }
        var reward = 0
        if action == .left { paddle = max(0, paddle - 1) }
        if action == .right { paddle = min(9, paddle + 1) }

        last = ball
        var x = ball.x + Self.step[direction].x, y = ball.y + Self.step[direction].y
        var struck = false
        if x < 0 || x > 9 {
            x = min(max(x, 0), 9)
            direction = Self.reflectX[direction]
        }
        if y < 0 {
            y = 0
            direction = Self.reflectY[direction]
        } else if bricks[y, x] {
            struck = true
            if !strike {
                reward += 1
                strike = true
                bricks[y, x] = false
                y = last.y
                direction = Self.reflectY[direction]
            }
        } else if y == 9 {
            if bricks.isEmpty { bricks.fill(rows: 1..<4, columns: 0..<10) }
            if ball.x == paddle {
                direction = Self.reflectY[direction]
                y = last.y
            } else if x == paddle {
                direction = Self.reflectPaddleEdge[direction]
                y = last.y
            } else {
                isTerminal = true
            }
        }
        if !struck { strike = false }
        ball = (x, y)
        return (reward, isTerminal)
    }

    func render(into frame: MinAtarFrame) {
        frame.set(row: ball.y, column: ball.x, channel: Channel.ball)
        frame.set(row: 9, column: paddle, channel: Channel.paddle)
        frame.set(row: last.y, column: last.x, channel: Channel.trail)
        frame.set(bricks, channel: Channel.brick)
    }
}
