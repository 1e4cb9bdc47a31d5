// Time animation: play, pause, step. Playing shows the next time once its frame has loaded
// (it was loaded beforehand: see frames.js) and at least one interval after the last, so a slow
// tile never leaves a gap, and loops at the end.

const AHEAD = 2; // frames loaded ahead of the one shown
const PATIENCE_MS = 20_000; // a frame that has not loaded by then is shown anyway

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `times()` lists the instants, `index()` is the one shown; `go(index, playing)` shows one,
 * `ready(index)` is a promise settled when that frame has loaded, `stopped()` is called when
 * playing stops.
 */
export function startPlayer({ buttons, speed, times, index, go, ready, stopped }) {
  let playing = false;
  let enabled = false;
  let run = 0;

  const count = () => times().length;
  const after = (i, step) => (i + step + count()) % count();

  function render() {
    buttons.play.setAttribute("aria-pressed", String(playing));
    buttons.play.setAttribute("aria-label", playing ? "Pause" : "Play");
    buttons.play.textContent = playing ? "❚❚ Pause" : "▶︎ Play";
    for (const button of Object.values(buttons)) button.disabled = !enabled;
    document.body.dataset.playing = String(playing);
  }

  async function loop(mine) {
    while (playing && mine === run) {
      const started = performance.now();
      const next = after(index(), 1);
      await Promise.race([ready(next), wait(PATIENCE_MS)]);
      await wait(Math.max(0, Number(speed.value) - (performance.now() - started)));
      if (!playing || mine !== run) return;
      go(next, true);
    }
  }

  const player = {
    /** The frames to load ahead of the shown one: none unless playing. */
    upcoming() {
      if (!playing || count() < 2) return [];
      const out = [];
      for (let step = 1; step <= Math.min(AHEAD, count() - 1); step++) out.push(times()[after(index(), step)]);
      return out;
    },
    play() {
      if (!enabled || playing) return;
      playing = true;
      render();
      loop(++run);
    },
    pause() {
      if (!playing) return;
      playing = false;
      run++;
      render();
      stopped();
    },
    toggle() {
      if (playing) player.pause();
      else player.play();
    },
    step(direction) {
      if (!enabled) return;
      playing = false;
      run++;
      render();
      go(after(index(), direction), false);
    },
    setEnabled(on) {
      enabled = on;
      if (!on) player.pause();
      render();
    },
    playing: () => playing,
  };
  buttons.play.addEventListener("click", () => player.toggle());
  buttons.back.addEventListener("click", () => player.step(-1));
  buttons.forward.addEventListener("click", () => player.step(1));
  render();
  return player;
}
