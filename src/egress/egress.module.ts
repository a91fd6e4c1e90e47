import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { EGRESS_OPTIONS, EgressOptions } from './egress.constants';
import { EgressService } from './egress.service';

/**
 * The network policy and its egress proxy. Registered once, at the root, and
 * global: whoever launches browsers or runs captures injects EgressService.
 */
@Module({})
export class EgressModule {
  static forRoot(options: EgressOptions): DynamicModule {
    return {
      module: EgressModule,
      global: true,
      providers: [{ provide: EGRESS_OPTIONS, useValue: options }, EgressService],
      exports: [EgressService],
    };
  }

  /** For options that come from another provider (the app config). */
  static forRootAsync(options: {
    imports?: ModuleMetadata['imports'];
    inject?: any[];
    useFactory: (...args: any[]) => EgressOptions | Promise<EgressOptions>;
  }): DynamicModule {
    return {
      module: EgressModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: EGRESS_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        EgressService,
      ],
      exports: [EgressService],
    };
  }
}
