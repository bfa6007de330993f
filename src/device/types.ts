/** What this device can do, as the plan sees it. Every field can be overridden through `options.device`. */
export interface DeviceProfile {
  webgpu: WebGpuProfile;
  wasm: { simd: boolean; threads: boolean };
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** `navigator.deviceMemory` in GB (Chromium only, rounded, capped at 8); undefined where unknown. */
  deviceMemoryGb: number | undefined;
  /** The user asked for reduced data use (`navigator.connection.saveData`). */
  saveData: boolean;
  online: boolean;
}

export interface WebGpuProfile {
  available: boolean;
  /** A software adapter (SwiftShader and the like): correct but slow, never preferred over WASM. */
  isFallbackAdapter: boolean;
  features: string[];
  limits: Record<string, number>;
  vendor?: string;
  architecture?: string;
}

export type DeviceOverrides = {
  [K in keyof DeviceProfile]?: DeviceProfile[K] extends object | undefined ? Partial<NonNullable<DeviceProfile[K]>> | DeviceProfile[K] : DeviceProfile[K];
};
