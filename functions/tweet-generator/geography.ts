/**
 * Where on Earth a latitude/longitude is, offline: coarse continent outlines (a dozen to thirty
 * vertices each, good to a few hundred km, which is what a tweet needs) and ocean basins by
 * longitude bands. No network geocoding.
 */

export interface Region {
  readonly kind: 'continent' | 'ocean';
  readonly nameEs: string;
  readonly nameEn: string;
  /** The hashtag an ISS tweet carries for this region. */
  readonly hashtag: string;
}

type Ring = ReadonlyArray<readonly [lon: number, lat: number]>;

const NORTH_AMERICA: Ring = [
  [-168, 65],
  [-141, 70],
  [-95, 71],
  [-65, 62],
  [-55, 52],
  [-67, 44],
  [-76, 35],
  [-81, 25],
  [-97, 26],
  [-97, 20],
  [-87, 21],
  [-83, 10],
  [-78, 8],
  [-92, 14],
  [-105, 20],
  [-117, 32],
  [-124, 40],
  [-125, 49],
  [-135, 58],
  [-152, 59],
  [-165, 54],
  [-168, 65],
];
const GREENLAND: Ring = [
  [-73, 78],
  [-20, 83],
  [-18, 70],
  [-43, 60],
  [-55, 65],
  [-73, 78],
];
const SOUTH_AMERICA: Ring = [
  [-78, 8],
  [-60, 11],
  [-50, 0],
  [-35, -6],
  [-39, -14],
  [-48, -26],
  [-58, -38],
  [-66, -55],
  [-75, -50],
  [-71, -18],
  [-81, -5],
  [-78, 8],
];
/** The land border of Europe and Asia (Urals, Caspian, Caucasus, Bosporus), north to south. */
const URALS_TO_AEGEAN: Ring = [
  [60, 68],
  [60, 55],
  [50, 47],
  [45, 42],
  [28, 41],
  [26, 36],
];
const EUROPE: Ring = [
  [-10, 36],
  [-9, 44],
  [-2, 48],
  [-5, 58],
  [5, 62],
  [14, 70],
  [30, 71],
  [40, 67],
  ...URALS_TO_AEGEAN,
  [15, 37],
  [-10, 36],
];
const AFRICA: Ring = [
  [-17, 21],
  [-6, 36],
  [10, 37],
  [32, 31],
  [34, 28],
  [43, 12],
  [51, 12],
  [40, -15],
  [32, -29],
  [20, -35],
  [12, -17],
  [9, 4],
  [-8, 4],
  [-17, 14],
  [-17, 21],
];
const ASIA: Ring = [
  [26, 36],
  [36, 36],
  [34, 28],
  [43, 12],
  [52, 16],
  [60, 25],
  [67, 24],
  [77, 8],
  [80, 15],
  [88, 22],
  [94, 16],
  [98, 8],
  [104, 1],
  [109, 12],
  [105, 21],
  [122, 31],
  [122, 40],
  [129, 35],
  [141, 45],
  [142, 53],
  [157, 51],
  [163, 60],
  [180, 65],
  [180, 72],
  [140, 72],
  [100, 78],
  [70, 73],
  ...URALS_TO_AEGEAN,
];
const BRITISH_ISLES: Ring = [
  [-6, 50],
  [2, 51],
  [0, 53],
  [-2, 57],
  [-5, 58.6],
  [-6, 56],
  [-3, 54],
  [-5, 52],
  [-10, 52],
  [-10, 55],
  [-6, 56],
  [-6, 50],
];
const JAPAN: Ring = [
  [130, 31],
  [141, 35],
  [142, 40],
  [145, 44],
  [141, 45.5],
  [139, 42],
  [135, 35],
  [130, 33],
  [130, 31],
];
const AUSTRALIA: Ring = [
  [113, -22],
  [114, -34],
  [129, -32],
  [140, -38],
  [150, -37],
  [153, -28],
  [145, -15],
  [142, -11],
  [136, -12],
  [130, -12],
  [122, -17],
  [113, -22],
];

const CONTINENTS: ReadonlyArray<{ region: Region; rings: Ring[] }> = [
  { region: continent('Norteamérica', 'North America', '#NorthAmerica'), rings: [NORTH_AMERICA, GREENLAND] },
  { region: continent('Sudamérica', 'South America', '#SouthAmerica'), rings: [SOUTH_AMERICA] },
  { region: continent('Europa', 'Europe', '#Europe'), rings: [EUROPE, BRITISH_ISLES] },
  { region: continent('África', 'Africa', '#Africa'), rings: [AFRICA] },
  { region: continent('Asia', 'Asia', '#Asia'), rings: [ASIA, JAPAN] },
  { region: continent('Oceanía', 'Oceania', '#Oceania'), rings: [AUSTRALIA] },
];

export const OCEANS = {
  pacific: ocean('el océano Pacífico', 'the Pacific Ocean', '#PacificOcean'),
  atlantic: ocean('el océano Atlántico', 'the Atlantic Ocean', '#AtlanticOcean'),
  indian: ocean('el océano Índico', 'the Indian Ocean', '#IndianOcean'),
  arctic: ocean('el océano Ártico', 'the Arctic Ocean', '#ArcticOcean'),
  southern: ocean('el océano Austral', 'the Southern Ocean', '#SouthernOcean'),
} as const;

const ANTARCTICA = continent('la Antártida', 'Antarctica', '#Antarctica');

function continent(nameEs: string, nameEn: string, hashtag: string): Region {
  return { kind: 'continent', nameEs, nameEn, hashtag };
}
function ocean(nameEs: string, nameEn: string, hashtag: string): Region {
  return { kind: 'ocean', nameEs, nameEn, hashtag };
}

/** Ray casting: is the point inside the ring? */
function inside(ring: Ring, lon: number, lat: number): boolean {
  let result = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as readonly [number, number];
    const [xj, yj] = ring[j] as readonly [number, number];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) result = !result;
  }
  return result;
}

/** The continent or ocean under a point (latitude -90..90, longitude -180..180). */
export function regionAt(latitude: number, longitude: number): Region {
  if (latitude <= -62) return ANTARCTICA;
  for (const { region, rings } of CONTINENTS) {
    if (rings.some((ring) => inside(ring, longitude, latitude))) return region;
  }
  if (latitude >= 66) return OCEANS.arctic;
  if (latitude <= -60) return OCEANS.southern;
  // Atlantic: between the Americas and Europe/Africa (the Caribbean and the Gulf included).
  if (longitude >= -70 && longitude < 20) return OCEANS.atlantic;
  if (latitude > 8 && longitude >= -100 && longitude < -70) return OCEANS.atlantic;
  if (latitude < -20 && longitude >= -70 && longitude < 20) return OCEANS.atlantic;
  // Indian: south of Asia, between Africa and Australia.
  if (longitude >= 20 && longitude < 147 && latitude < 25 && !(longitude > 100 && latitude > -10)) {
    return OCEANS.indian;
  }
  return OCEANS.pacific;
}
