/** Deterministic pseudo-random numbers (mulberry32) and id generation. */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ids derived from the simulator seed, so a seeded run is reproducible. */
export class IdGen {
  private rng: Rng;

  constructor(seed: number) {
    this.rng = mulberry32(seed);
  }

  hex(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += Math.floor(this.rng() * 16).toString(16);
    return out;
  }

  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  ec2InstanceId(): string {
    return `i-${this.hex(17)}`;
  }

  requestId(): string {
    return this.uuid();
  }
}
