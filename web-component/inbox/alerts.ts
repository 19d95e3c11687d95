/**
 * How the inbox gets an operator's attention when a visitor writes: a short beep, and a desktop
 * notification that brings the conversation up when clicked.
 */
export class InboxAlerts {
  #audio: AudioContext | undefined;

  beep(): void {
    try {
      this.#audio ??= new AudioContext();
      const oscillator = this.#audio.createOscillator();
      const gain = this.#audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.value = 0.08;
      oscillator.connect(gain).connect(this.#audio.destination);
      oscillator.start();
      oscillator.stop(this.#audio.currentTime + 0.12);
    } catch {
      // No audio here (or not allowed before the operator interacted): the title still counts.
    }
  }

  /** Needs the operator's permission (`Notification.permission === 'granted'`). */
  notify(title: string, body: string, tag: string | undefined, onClick: () => void): void {
    const notification = new Notification(title, { body, ...(tag ? { tag } : {}) });
    notification.onclick = () => {
      window.focus();
      onClick();
    };
  }
}
